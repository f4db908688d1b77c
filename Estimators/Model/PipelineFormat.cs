using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetAttn.Estimators;

/// <summary>
/// Writes and reads a fitted pipeline as one zip file.
/// </summary>
/// <remarks>
/// *** Pipeline format, version 1 ***
/// <code>
/// pipeline.json        UTF-8 JSON:
///   {
///     "format": "MLNetAttn.Pipeline",      // fixed
///     "version": 1,                        // refused when not 1 (a newer file names its version)
///     "inputSchema": [ { "name": "ImagePath", "type": "Text" }, ... ],   // DataViewType.ToString() text
///     "transformers": [                    // applied in order; nested chains are flattened
///       { "kind": "LoadImages" | "ResizeImages" | "ExtractPixels" | "ApplyOnnxModel" | "ClassificationHead",
///         "version": 1,
///         ...parameters of that kind (see each transformer's Save) },
///       ...
///     ]
///   }
/// models/{n}.onnx      the ONNX model of an ApplyOnnxModel step, referenced from its "model" parameter as
///                      { "entry": "models/0.onnx", "length": bytes, "sha256": lower-case hex }
/// </code>
/// On load every value is checked: the format and versions, that each parameter is present with the right JSON
/// type and in range, that enum names are defined, that no unknown parameter is present, and that each model
/// entry exists with the recorded length and SHA-256. A failed check throws <see cref="InvalidDataException"/>
/// naming the file, the step and the parameter.
/// </remarks>
public static class PipelineFormat
{
    /// <summary>The value of "format".</summary>
    public const string FormatName = "MLNetAttn.Pipeline";

    /// <summary>The version this library writes and reads.</summary>
    public const int Version = 1;

    internal const string PipelineEntry = "pipeline.json";

    private static readonly Dictionary<string, Func<VisionContext, PipelineReader, RowMappingTransformer>> Loaders = new(StringComparer.Ordinal)
    {
        ["LoadImages"] = ImageLoadingTransformer.Load,
        ["ResizeImages"] = ImageResizingTransformer.Load,
        ["ExtractPixels"] = ImagePixelExtractingTransformer.Load,
        ["ApplyOnnxModel"] = OnnxTransformer.Load,
        ["ClassificationHead"] = ClassificationHeadTransformer.Load,
    };

    internal static void Save(ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        var steps = Flatten(model).ToList();
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var transformers = new JsonArray();
        var models = 0;
        foreach (var step in steps)
        {
            var node = new JsonObject { ["kind"] = step.Kind, ["version"] = Version };
            step.Save(new PipelineWriter(node, zip, () => models++));
            transformers.Add(node);
        }
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = Version,
            ["inputSchema"] = new JsonArray(inputSchema.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type.ToString() }).ToArray()),
            ["transformers"] = transformers,
        };
        var entry = zip.CreateEntry(PipelineEntry, CompressionLevel.Optimal);
        using var output = entry.Open();
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        root.WriteTo(writer);
    }

    internal static IEnumerable<RowMappingTransformer> Flatten(ITransformer model) => model switch
    {
        RowMappingTransformer t => [t],
        IEnumerable<ITransformer> chain => chain.SelectMany(Flatten),
        _ => throw new ArgumentException($"{model.GetType().Name} is not one of this library's transformers or a chain of them; it cannot be saved or run by a prediction engine."),
    };

    internal static ITransformer Load(VisionContext context, Stream stream, string name, out DataViewSchema inputSchema)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var entry = zip.GetEntry(PipelineEntry) ?? throw new InvalidDataException($"'{name}' has no {PipelineEntry}; it is not a saved MLNetAttn pipeline.");
        JsonDocument document;
        using (var json = entry.Open())
        {
            try { document = JsonDocument.Parse(json); }
            catch (JsonException e) { throw new InvalidDataException($"'{name}': {PipelineEntry} is not valid JSON ({e.Message}).", e); }
        }
        using (document)
        {
            var root = new PipelineReader(document.RootElement, zip, name, "pipeline");
            var format = root.GetString("format");
            if (format != FormatName)
                throw root.Invalid("format", $"\"{FormatName}\"");
            var version = root.GetInt("version", 1, int.MaxValue);
            if (version != Version)
                throw new InvalidDataException($"'{name}' is pipeline format version {version}; this library reads version {Version}. Save it again with this version.");
            var columns = new List<(string, DataViewType)>();
            var i = 0;
            foreach (var c in root.GetArray("inputSchema"))
            {
                var column = root.Nested(c, $"inputSchema[{i++}]");
                var type = column.GetString("type");
                DataViewType parsed;
                try { parsed = DataViewType.Parse(type); }
                catch (FormatException e) { throw new InvalidDataException($"'{name}': {column.Path}.type: {e.Message}", e); }
                columns.Add((column.GetString("name"), parsed));
                column.EnsureAllRead();
            }
            try { inputSchema = new DataViewSchema(columns); }
            catch (ArgumentException e) { throw new InvalidDataException($"'{name}': inputSchema: {e.Message}", e); }
            var steps = new List<ITransformer>();
            i = 0;
            foreach (var t in root.GetArray("transformers"))
            {
                var step = root.Nested(t, $"transformers[{i++}]");
                var kind = step.GetString("kind");
                if (!Loaders.TryGetValue(kind, out var load))
                    throw step.Invalid("kind", $"one of {string.Join(", ", Loaders.Keys)}");
                if (step.GetInt("version", 1, int.MaxValue) != Version)
                    throw step.Invalid("version", $"{Version}");
                RowMappingTransformer transformer;
                try { transformer = load(context, step); }
                catch (Exception e) when (e is ArgumentException)
                {
                    throw new InvalidDataException($"'{name}': {step.Path} ({kind}) has invalid parameters: {e.Message}", e);
                }
                step.EnsureAllRead();
                steps.Add(transformer);
            }
            root.EnsureAllRead();
            var chain = new TransformerChain<ITransformer>(steps.ToArray());
            try { chain.GetOutputSchema(inputSchema); } // the steps must fit together on the saved input schema
            catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"'{name}': the saved steps do not fit the saved input schema: {e.Message}", e); }
            return chain;
        }
    }

    internal static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>Writes one step's parameters into its JSON object (and model bytes into the archive).</summary>
internal sealed class PipelineWriter(JsonObject node, ZipArchive zip, Func<int> nextModel)
{
    public void Set(string key, string? value) => node[key] = value;

    public void Set(string key, int value) => node[key] = value;

    public void Set(string key, int? value) => node[key] = value;

    public void Set(string key, long value) => node[key] = value;

    public void Set(string key, bool value) => node[key] = value;

    public void Set(string key, float value) => node[key] = value;

    public void Set(string key, IReadOnlyList<float> values) => node[key] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public void Set(string key, IReadOnlyList<string>? values)
        => node[key] = values is null ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public void SetModel(string key, byte[] model)
    {
        var entryName = $"models/{nextModel()}.onnx";
        var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest);
        using (var output = entry.Open())
            output.Write(model);
        node[key] = new JsonObject { ["entry"] = entryName, ["length"] = model.LongLength, ["sha256"] = PipelineFormat.Sha256(model) };
    }
}

/// <summary>Reads one JSON object of a saved pipeline, checking each value and naming it in errors.</summary>
internal sealed class PipelineReader
{
    private readonly JsonElement _element;
    private readonly ZipArchive _zip;
    private readonly string _file;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public PipelineReader(JsonElement element, ZipArchive zip, string file, string path)
    {
        _zip = zip;
        _file = file;
        Path = path;
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{file}': {path} is not a JSON object.");
        _element = element;
    }

    public string Path { get; }

    public PipelineReader Nested(JsonElement element, string path) => new(element, _zip, _file, path);

    public InvalidDataException Invalid(string key, string expected)
        => new($"Saved pipeline '{_file}': {Path}.{key} is missing or invalid; expected {expected}.");

    private JsonElement Get(string key, JsonValueKind kind, string expected)
    {
        _read.Add(key);
        return _element.TryGetProperty(key, out var value) && value.ValueKind == kind ? value : throw Invalid(key, expected);
    }

    private bool IsNull(string key)
    {
        _read.Add(key);
        return !_element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null;
    }

    public string GetString(string key)
    {
        var value = Get(key, JsonValueKind.String, "a non-empty string").GetString();
        return string.IsNullOrEmpty(value) ? throw Invalid(key, "a non-empty string") : value;
    }

    public string? GetOptionalString(string key) => IsNull(key) ? null : GetString(key);

    public bool GetBool(string key)
    {
        _read.Add(key);
        return _element.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Invalid(key, "true or false");
    }

    public bool? GetOptionalBool(string key) => IsNull(key) ? null : GetBool(key);

    public int GetInt(string key, int min, int max)
    {
        var expected = $"an integer from {min} to {max}";
        return Get(key, JsonValueKind.Number, expected).TryGetInt32(out var v) && v >= min && v <= max ? v : throw Invalid(key, expected);
    }

    public int? GetOptionalInt(string key, int min, int max) => IsNull(key) ? null : GetInt(key, min, max);

    public long GetLong(string key, long min, long max)
    {
        var expected = $"an integer from {min} to {max}";
        return Get(key, JsonValueKind.Number, expected).TryGetInt64(out var v) && v >= min && v <= max ? v : throw Invalid(key, expected);
    }

    public float GetFloat(string key)
        => Get(key, JsonValueKind.Number, "a finite number").TryGetSingle(out var v) && float.IsFinite(v) ? v : throw Invalid(key, "a finite number");

    public float[] GetFloats(string key, int count)
    {
        var expected = $"an array of {count} finite numbers";
        var array = Get(key, JsonValueKind.Array, expected);
        if (array.GetArrayLength() != count)
            throw Invalid(key, expected);
        return array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetSingle(out var v) && float.IsFinite(v) ? v : throw Invalid(key, expected)).ToArray();
    }

    public string[] GetStrings(string key)
    {
        const string expected = "an array of non-empty strings";
        return Get(key, JsonValueKind.Array, expected).EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : throw Invalid(key, expected)).ToArray();
    }

    public string[]? GetOptionalStrings(string key) => IsNull(key) ? null : GetStrings(key);

    public TEnum GetEnum<TEnum>(string key) where TEnum : struct, Enum
    {
        var expected = $"one of {string.Join(", ", Enum.GetNames<TEnum>())}";
        var text = Get(key, JsonValueKind.String, expected).GetString()!;
        return Enum.GetNames<TEnum>().Contains(text, StringComparer.Ordinal) ? Enum.Parse<TEnum>(text) : throw Invalid(key, expected);
    }

    public IEnumerable<JsonElement> GetArray(string key) => Get(key, JsonValueKind.Array, "an array").EnumerateArray();

    public byte[] GetModel(string key)
    {
        var reference = Nested(Get(key, JsonValueKind.Object, "a model reference"), $"{Path}.{key}");
        var entryName = reference.GetString("entry");
        var length = reference.GetLong("length", 1, int.MaxValue);
        var sha = reference.GetString("sha256");
        reference.EnsureAllRead();
        var entry = _zip.GetEntry(entryName) ?? throw new InvalidDataException($"Saved pipeline '{_file}': {Path}.{key} names entry '{entryName}', which the file does not contain.");
        if (entry.Length != length)
            throw new InvalidDataException($"Saved pipeline '{_file}': entry '{entryName}' is {entry.Length} bytes; the pipeline recorded {length}. The file is damaged.");
        var bytes = new byte[length];
        using (var input = entry.Open())
            input.ReadExactly(bytes);
        var actual = PipelineFormat.Sha256(bytes);
        if (!string.Equals(actual, sha, StringComparison.Ordinal))
            throw new InvalidDataException($"Saved pipeline '{_file}': entry '{entryName}' has SHA-256 {actual}; the pipeline recorded {sha}. The file is damaged or was edited.");
        return bytes;
    }

    /// <summary>Refuses parameters this version does not know (a newer writer, or a typo in a hand-edited file).</summary>
    public void EnsureAllRead()
    {
        foreach (var property in _element.EnumerateObject())
            if (!_read.Contains(property.Name))
                throw new InvalidDataException($"Saved pipeline '{_file}': {Path} has an unknown parameter '{property.Name}'.");
    }
}
