using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// Lists a job's inputs from a folder (recursive, image extensions), a glob (<c>photos/**/*.jpg</c>), or a CSV or
/// Parquet manifest with a path column (read through DuckDB). Inputs come back sorted by key, each path once.
/// </summary>
internal static class ScoreInputReader
{
    /// <summary>Extensions a folder or glob listing picks up (the content still decides the format).</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".avif", ".heic", ".heif", ".jxl", ".ppm", ".pgm", ".pnm",
    };

    /// <summary>Where the inputs came from and what they are.</summary>
    public sealed record Listing(string Root, IReadOnlyList<ScoreInput> Inputs, int Duplicates);

    /// <summary>Lists the inputs of <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">The input is neither a folder, a glob with matches, nor a readable manifest.</exception>
    public static Listing Read(string input, string pathColumn)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        if (Directory.Exists(input))
        {
            var root = Path.GetFullPath(input);
            var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)));
            return Build(root, files.Select(f => new ScoreInput(KeyOf(root, f), f)));
        }
        var extension = Path.GetExtension(input).ToLowerInvariant();
        if (input.IndexOfAny(['*', '?', '[']) >= 0)
            return Glob(input);
        if (!File.Exists(input))
            throw new ArgumentException($"--input '{input}' is neither a folder, a glob, nor an existing manifest (looked for '{Path.GetFullPath(input)}').");
        return extension switch
        {
            ".csv" => Manifest(input, pathColumn, parquet: false),
            ".parquet" => Manifest(input, pathColumn, parquet: true),
            _ => throw new ArgumentException($"--input '{input}' is a file but not a manifest: give a folder, a glob, a .csv (comma-separated, header line) or a .parquet manifest."),
        };
    }

    /// <summary>
    /// SHA-256 (hex) over the sorted keys, one per line: two listings with the same fingerprint name the same inputs.
    /// </summary>
    public static string Fingerprint(IReadOnlyList<ScoreInput> inputs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var input in inputs)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(input.Key));
            hash.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string KeyOf(string root, string full) => Path.GetRelativePath(root, full).Replace('\\', '/');

    private static Listing Build(string root, IEnumerable<ScoreInput> inputs)
    {
        var seen = new Dictionary<string, ScoreInput>(StringComparer.Ordinal);
        var duplicates = 0;
        foreach (var input in inputs)
            if (!seen.TryAdd(input.Path, input))
                duplicates++;
        var list = seen.Values.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new Listing(root, list, duplicates);
    }

    private static Listing Glob(string pattern)
    {
        // The root is the longest leading run of segments without wildcards; the rest is matched against the relative path.
        var normalized = pattern.Replace('\\', '/');
        var segments = normalized.Split('/');
        var fixedCount = segments.TakeWhile(s => s.IndexOfAny(['*', '?', '[']) < 0).Count();
        var rootText = string.Join('/', segments.Take(fixedCount));
        var root = Path.GetFullPath(rootText.Length == 0 ? "." : (normalized.StartsWith('/') && fixedCount == 1 ? "/" : rootText));
        if (!Directory.Exists(root))
            throw new ArgumentException($"--input '{pattern}': the folder '{root}' the glob starts from does not exist.");
        var regex = new Regex("^" + GlobToRegex(string.Join('/', segments.Skip(fixedCount))) + "$", RegexOptions.CultureInvariant);
        var recursive = segments.Skip(fixedCount).Count() > 1 || pattern.Contains("**", StringComparison.Ordinal);
        var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = true, AttributesToSkip = 0 })
            .Where(f => regex.IsMatch(KeyOf(root, f)));
        var listing = Build(root, files.Select(f => new ScoreInput(KeyOf(root, f), f)));
        if (listing.Inputs.Count == 0)
            throw new ArgumentException($"--input '{pattern}' matches no file under '{root}'.");
        return listing;
    }

    private static string GlobToRegex(string glob)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" matches any number of folders, including none.
                var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
                regex.Append("[^/]*");
            else if (c == '?')
                regex.Append("[^/]");
            else if (c == '[')
            {
                var end = glob.IndexOf(']', i + 1);
                if (end < 0)
                    regex.Append(@"\[");
                else
                {
                    var body = glob[(i + 1)..end];
                    regex.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                    i = end;
                }
            }
            else
                regex.Append(Regex.Escape(c.ToString()));
        }
        return regex.ToString();
    }

    private static Listing Manifest(string manifest, string pathColumn, bool parquet)
    {
        var full = Path.GetFullPath(manifest);
        var root = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        var inputs = new List<ScoreInput>();
        using var con = new DuckDBConnection(new DuckDBConnectionStringBuilder { DataSource = DuckDBConnectionStringBuilder.InMemoryDataSource, Threads = 1 }.ConnectionString);
        con.Open();
        string source;
        if (parquet)
            source = $"read_parquet({Sql.Literal(full)})";
        else
        {
            var header = ReadCsvHeader(full);
            // Explicit dialect, every column text, sniffing off: a bad line is reported, never guessed around.
            var options = CsvRejects.ReadCsvOptions([.. header.Select(h => (h, "VARCHAR"))]);
            source = $"read_csv({Sql.Literal(full)}, {options}, store_rejects=true)";
            CsvRejects.Clear(con);
        }
        try
        {
            var row = 0L;
            foreach (var record in con.Query($"SELECT CAST({Sql.Identifier(pathColumn)} AS VARCHAR) FROM {source}"))
                inputs.Add(Resolve(root, name, ++row, record.GetNullableString(0)));
        }
        catch (DuckDBException e)
        {
            throw new ArgumentException($"Manifest '{manifest}' could not be read: {e.Message} " +
                $"It needs a column '{pathColumn}' (--path-column) of image paths relative to its folder.", e);
        }
        if (!parquet)
        {
            foreach (var reject in CsvRejects.Read(con))
                inputs.Add(new ScoreInput(string.Create(CultureInfo.InvariantCulture, $"{name}#line{reject.Line}"),
                    string.Create(CultureInfo.InvariantCulture, $"{full}#line{reject.Line}"), ScoreErrorKind.Manifest,
                    string.Create(CultureInfo.InvariantCulture, $"Manifest '{manifest}' line {reject.Line}: {reject.Message} Fix the line and rerun.")));
        }
        return Build(root, inputs);
    }

    private static ScoreInput Resolve(string root, string manifestName, long row, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return new ScoreInput(string.Create(CultureInfo.InvariantCulture, $"{manifestName}#row{row}"), string.Create(CultureInfo.InvariantCulture, $"{root}/{manifestName}#row{row}"),
                ScoreErrorKind.Manifest, string.Create(CultureInfo.InvariantCulture, $"Manifest '{manifestName}' data row {row} (lines DuckDB rejected not counted) has an empty path."));
        var full = Path.GetFullPath(Path.Combine(root, value));
        var inside = full.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!inside)
            return new ScoreInput(KeyOf(root, full), full, ScoreErrorKind.OutsideRoot,
                $"Manifest '{manifestName}' row {row}: '{value}' leads outside the manifest's folder '{root}'; paths are refused there. Move the manifest up or the file in.");
        return new ScoreInput(KeyOf(root, full), full);
    }

    private static string[] ReadCsvHeader(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = reader.ReadLine() ?? throw new ArgumentException($"Manifest '{path}' is empty; it needs a header line naming its columns.");
        var names = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { names.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        names.Add(current.ToString().TrimEnd('\r'));
        return [.. names];
    }
}
