using System.Text;

namespace MLNetAttn.Estimators;

/// <summary>
/// Reads a CSV manifest lazily (LoadFromTextFile): a header line names the columns; fields may be quoted with
/// <c>"</c> (a doubled quote inside stands for one); every column is Text. Paths in the path column are
/// resolved against the manifest's folder and must stay inside it.
/// </summary>
internal static class CsvManifestSource
{
    /// <summary>Reads the header (eagerly, to know the schema).</summary>
    public static string[] ReadHeader(string path, char separator)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = reader.ReadLine() ?? throw new InvalidDataException($"Manifest '{path}' is empty; its first line must name the columns.");
        var header = Split(line, separator, path, 1);
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = header[i].Trim();
            if (header[i].Length == 0)
                throw new InvalidDataException($"Manifest '{path}': column {i + 1} of the header has no name.");
        }
        return header;
    }

    public static IEnumerable<string?[]> Rows(string path, char separator, int columnCount, int pathColumn, CancellationToken ct)
    {
        var root = Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var rootWithSlash = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        using var reader = new StreamReader(path, Encoding.UTF8);
        reader.ReadLine();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            ct.ThrowIfCancellationRequested();
            lineNumber++;
            if (line.Length == 0)
                continue;
            var fields = Split(line, separator, path, lineNumber);
            if (fields.Length != columnCount)
                throw new InvalidDataException($"Manifest '{path}' line {lineNumber} has {fields.Length} fields; the header has {columnCount}. Quote fields that contain '{separator}'.");
            var row = new string?[columnCount];
            for (var i = 0; i < columnCount; i++)
                row[i] = fields[i];
            if (pathColumn >= 0)
                row[pathColumn] = Resolve(fields[pathColumn], rootWithSlash, path, lineNumber);
            yield return row;
        }
    }

    /// <summary>Resolves a manifest path against the manifest's folder, refusing any that leads outside it.</summary>
    internal static string Resolve(string relative, string rootWithSlash, string manifest, int line)
    {
        if (relative.Length == 0)
            throw new InvalidDataException($"Manifest '{manifest}' line {line}: the path is empty.");
        var full = Path.GetFullPath(Path.Combine(rootWithSlash, relative));
        if (!full.StartsWith(rootWithSlash, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            throw new InvalidDataException(
                $"Manifest '{manifest}' line {line}: path '{relative}' leads outside the manifest's folder '{rootWithSlash}'. " +
                "Paths must be relative to the manifest and stay inside its folder; move the manifest up or the files down.");
        return full;
    }

    internal static string[] Split(string line, char separator, string path, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == separator) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted)
            throw new InvalidDataException($"Manifest '{path}' line {lineNumber} has an unclosed quote; fields spanning lines are not supported.");
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
