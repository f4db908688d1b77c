namespace MLNetAttn.Estimators;

/// <summary>Creates data views and reads them back (ML.NET's <c>DataOperationsCatalog</c>).</summary>
public sealed class DataOperationsCatalog
{
    internal DataOperationsCatalog(VisionContext context) => Context = context;

    /// <summary>The context.</summary>
    public VisionContext Context { get; }

    /// <summary>Column names used by the loaders.</summary>
    public static class Defaults
    {
        /// <summary>"ImagePath": the column holding image file paths.</summary>
        public const string ImagePathColumn = "ImagePath";

        /// <summary>"Label": the column holding a folder-name label.</summary>
        public const string LabelColumn = "Label";
    }

    /// <summary>
    /// A view over objects: one column per public field or property (string → Text, float/double/int/long/bool →
    /// numbers, arrays → vectors, byte[] → encoded image bytes for <c>LoadImages</c>). The enumerable is read
    /// lazily, each time the view is streamed.
    /// </summary>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="data">The rows.</param>
    /// <exception cref="ArgumentException">A member has a type that maps to no column type.</exception>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data) where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        return new EnumerableDataView<TRow>(data, TypeColumns.For(typeof(TRow)));
    }

    /// <summary>
    /// A view of the image files under a folder: a Text column <see cref="Defaults.ImagePathColumn"/> with each
    /// file's path, and (when <paramref name="useFolderNameAsLabel"/>) a Text column <see cref="Defaults.LabelColumn"/>
    /// with the name of the folder holding it. Files are recognised by extension (.jpg, .png, .webp, …); the content
    /// still decides the format when decoding, and a file that is not an image becomes an error row there.
    /// The listing is lazy, sorted by name within each folder.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="useFolderNameAsLabel">Add the Label column.</param>
    /// <param name="recursive">Descend into subfolders. Default = true.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public IDataView LoadImagesFromDirectory(string folder, bool useFolderNameAsLabel = false, bool recursive = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Image folder '{folder}' does not exist (looked for '{Path.GetFullPath(folder)}').");
        var full = Path.GetFullPath(folder);
        List<(string, DataViewType)> columns = [(Defaults.ImagePathColumn, TextDataViewType.Instance)];
        if (useFolderNameAsLabel)
            columns.Add((Defaults.LabelColumn, TextDataViewType.Instance));
        return new TextRowsDataView(new DataViewSchema(columns), ct => ImageFolderSource.Rows(full, useFolderNameAsLabel, recursive, ct));
    }

    /// <summary>
    /// A view of a CSV manifest with a header line; every column is Text. The values of
    /// <paramref name="pathColumnName"/> are paths relative to the manifest's folder; they come out as full paths,
    /// and a path that leads outside that folder (<c>../x.jpg</c>, an absolute path elsewhere) is refused with an
    /// <see cref="InvalidDataException"/> naming the line when the row is read. Rows are read lazily.
    /// </summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="pathColumnName">The column of image paths; null = no path column.</param>
    /// <param name="separatorChar">The field separator. Default = ','.</param>
    /// <exception cref="FileNotFoundException">The manifest does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The header has no column <paramref name="pathColumnName"/>.</exception>
    public IDataView LoadFromTextFile(string path, string? pathColumnName = Defaults.ImagePathColumn, char separatorChar = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Manifest '{path}' does not exist (looked for '{Path.GetFullPath(path)}').", path);
        if (separatorChar is '"' or '\n' or '\r')
            throw new ArgumentOutOfRangeException(nameof(separatorChar), separatorChar, "The separator cannot be a quote or a line break.");
        var header = CsvManifestSource.ReadHeader(path, separatorChar);
        var schema = new DataViewSchema(header.Select(h => (h, (DataViewType)TextDataViewType.Instance)));
        var pathColumn = pathColumnName is null ? -1 : (schema.GetColumnOrNull(pathColumnName)
            ?? throw SchemaErrors.MissingColumn("path", pathColumnName, schema)).Index;
        var full = Path.GetFullPath(path);
        return new TextRowsDataView(schema, ct => CsvManifestSource.Rows(full, separatorChar, header.Length, pathColumn, ct));
    }

    /// <summary>
    /// Reads a view into objects, lazily (ML.NET's <c>CreateEnumerable</c>). Members are matched to columns by name
    /// (or <see cref="ColumnNameAttribute"/>); vectors come out as arrays.
    /// </summary>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="data">The view.</param>
    /// <param name="reuseRowObject">Return the same object for every row (cheaper; copy what you keep).</param>
    /// <param name="ignoreMissingColumns">Leave members without a column alone instead of failing.</param>
    /// <param name="options">How to stream; null = defaults.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <exception cref="ArgumentOutOfRangeException">A member has no column, or its type cannot hold the column's.</exception>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject = false, bool ignoreMissingColumns = false,
        BatchingOptions? options = null, CancellationToken cancellationToken = default) where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var writer = new RowWriter<TRow>(data.Schema, ignoreMissingColumns);
        return Read(data, writer, reuseRowObject, options, cancellationToken);
    }

    private static IEnumerable<TRow> Read<TRow>(IDataView data, RowWriter<TRow> writer, bool reuse, BatchingOptions? options, CancellationToken ct)
        where TRow : class, new()
    {
        var row = reuse ? new TRow() : null;
        foreach (var batch in data.GetBatches(options, ct))
        {
            using (batch)
            {
                for (var i = 0; i < batch.RowCount; i++)
                {
                    var target = row ?? new TRow();
                    writer.Write(batch, i, target);
                    yield return target;
                }
            }
        }
    }
}
