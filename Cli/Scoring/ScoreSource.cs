using System.Diagnostics;
using System.Security.Cryptography;
using MLNetAttn.Estimators;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// The job's rows as a data view: each input's file is read whole (bounded by <c>--max-bytes</c>) and hashed when its
/// batch is made, which happens on the pipeline's producer thread, ahead of the model. A file that cannot be read
/// becomes a row whose <see cref="ErrorColumn"/> is set (LoadImages adopts that column and leaves such rows alone), so
/// no input stops the stream. Columns: Path, Bytes (Vector&lt;Byte&gt;), Error, Status, Sha256, SizeBytes, ReadMs.
/// </summary>
internal sealed class ScoreSource : IDataView
{
    /// <summary>The full path of the input.</summary>
    public const string PathColumn = "Path";
    /// <summary>The file's bytes.</summary>
    public const string BytesColumn = "Bytes";
    /// <summary>The error message of a row that failed (null when fine); the pipeline's error column.</summary>
    public const string ErrorColumn = "Error";
    /// <summary>The error kind of a row that failed before decoding (null otherwise).</summary>
    public const string StatusColumn = "Status";
    /// <summary>SHA-256 (hex) of the file's bytes.</summary>
    public const string HashColumn = "Sha256";
    /// <summary>The file's length in bytes.</summary>
    public const string SizeColumn = "SizeBytes";
    /// <summary>Milliseconds spent reading and hashing the file.</summary>
    public const string ReadMsColumn = "ReadMs";

    private readonly IReadOnlyList<ScoreInput> _inputs;
    private readonly long _maxBytes;

    public ScoreSource(IReadOnlyList<ScoreInput> inputs, long maxBytes)
    {
        _inputs = inputs;
        _maxBytes = maxBytes;
        Schema = new DataViewSchema([
            (PathColumn, TextDataViewType.Instance),
            (BytesColumn, new VectorDataViewType(NumberDataViewType.Byte)),
            (ErrorColumn, TextDataViewType.Instance),
            (StatusColumn, TextDataViewType.Instance),
            (HashColumn, TextDataViewType.Instance),
            (SizeColumn, NumberDataViewType.Int64),
            (ReadMsColumn, NumberDataViewType.Double),
        ]);
    }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => _inputs.Count;

    /// <inheritdoc />
    public IEnumerable<DataBatch> GetBatches(BatchingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var size = options?.BatchSize ?? BatchingOptions.DefaultBatchSize;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options?.MaxDegreeOfParallelism ?? Environment.ProcessorCount), CancellationToken = cancellationToken };
        for (var first = 0; first < _inputs.Count; first += size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(size, _inputs.Count - first);
            var paths = new string?[rows];
            var bytes = new byte[]?[rows];
            var errors = new string?[rows];
            var statuses = new string?[rows];
            var hashes = new string?[rows];
            var sizes = new long[rows];
            var readMs = new double[rows];
            Parallel.For(0, rows, parallel, row =>
            {
                var input = _inputs[first + row];
                paths[row] = input.Path;
                if (input.Error is { } refused)
                {
                    (statuses[row], errors[row]) = (ScoreErrorKinds.Status(refused), input.Message);
                    return;
                }
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var data = ReadBounded(input.Path, _maxBytes);
                    sizes[row] = data.Length;
                    hashes[row] = Convert.ToHexStringLower(SHA256.HashData(data));
                    if (data.Length == 0)
                        (statuses[row], errors[row]) = (ScoreErrorKinds.Status(ScoreErrorKind.Empty), $"'{input.Path}' is empty (0 bytes); check the file.");
                    else
                        bytes[row] = data;
                }
                catch (ReadFailure e)
                {
                    (statuses[row], errors[row], sizes[row]) = (ScoreErrorKinds.Status(e.Kind), e.Message, e.Length);
                }
                readMs[row] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            });
            var batch = new DataBatch(Schema, first, rows);
            batch.SetColumn(0, new ScalarColumn<string?>(TextDataViewType.Instance, paths));
            batch.SetColumn(1, new JaggedVectorColumn<byte>((VectorDataViewType)Schema[1].Type, bytes));
            batch.SetColumn(2, new ScalarColumn<string?>(TextDataViewType.Instance, errors));
            batch.SetColumn(3, new ScalarColumn<string?>(TextDataViewType.Instance, statuses));
            batch.SetColumn(4, new ScalarColumn<string?>(TextDataViewType.Instance, hashes));
            batch.SetColumn(5, new ScalarColumn<long>(NumberDataViewType.Int64, sizes));
            batch.SetColumn(6, new ScalarColumn<double>(NumberDataViewType.Double, readMs));
            yield return batch;
        }
    }

    private static byte[] ReadBounded(string path, long maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var length = stream.Length;
            if (length > maxBytes)
                throw new ReadFailure(ScoreErrorKind.TooLarge, length,
                    $"'{path}' is {length} bytes, more than --max-bytes {maxBytes}; raise the limit if the file is a trusted image.");
            var data = GC.AllocateUninitializedArray<byte>((int)length);
            stream.ReadExactly(data);
            // A file that grew while being read is read as it was when opened; one that shrank fails ReadExactly below.
            return data;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ReadFailure(ScoreErrorKind.Missing, 0, $"'{path}' does not exist; check the path or remove it from the input.");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ReadFailure(ScoreErrorKind.Unreadable, 0, $"'{path}' cannot be read: {e.Message} Check its permissions and that it is a regular file.");
        }
    }

    private sealed class ReadFailure(ScoreErrorKind kind, long length, string message) : Exception(message)
    {
        public ScoreErrorKind Kind { get; } = kind;
        public long Length { get; } = length;
    }
}
