using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLNetAttn.Zoo.Store;

/// <summary>
/// Downloads checkpoints into a local cache, resuming interrupted transfers, verifying SHA-256 pins and
/// publishing each file with an atomic rename, so a reader never sees a half-written checkpoint.
/// </summary>
/// <remarks>
/// Layout: <c>{Home}/checkpoints/{file}</c>; an unfinished download is <c>{file}.partial</c> beside it and
/// is resumed with an HTTP range request by the next attempt (in this process or a later one).
/// Thread-safe; concurrent requests for the same file in one process share one download.
/// </remarks>
public sealed class ModelStore : IDisposable
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a store. <paramref name="handler"/> replaces the network stack (tests, proxies).</summary>
    public ModelStore(ModelStoreOptions? options = null, ILogger? logger = null, HttpMessageHandler? handler = null)
    {
        Options = options ?? new ModelStoreOptions();
        if (Options.MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxAttempts, "MaxAttempts must be at least 1.");
        _logger = logger ?? NullLogger.Instance;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // stalls are detected per read, not per request
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("MLNetAttn", "0.1"));
    }

    /// <summary>The options this store was created with.</summary>
    public ModelStoreOptions Options { get; }

    /// <summary>
    /// Returns a local path for <paramref name="pathOrUrl"/>: an existing file is returned as it is; an http(s) URL
    /// is downloaded into the cache (or found there).
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither an existing file nor a URL.</exception>
    public Task<string> ResolveAsync(string pathOrUrl, string? sha256 = null, CancellationToken cancellationToken = default)
    {
        if (File.Exists(pathOrUrl))
            return Task.FromResult(Path.GetFullPath(pathOrUrl));
        if (Uri.TryCreate(pathOrUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return GetAsync(uri, sha256, cancellationToken: cancellationToken);
        throw new FileNotFoundException($"Checkpoint '{pathOrUrl}' is neither an existing file nor an http(s) URL.", pathOrUrl);
    }

    /// <summary>
    /// Returns the cached path of <paramref name="url"/>, downloading it first when it is missing.
    /// </summary>
    /// <param name="url">Where the file is published.</param>
    /// <param name="sha256">Expected SHA-256 (hex). When given, a cached file is re-verified and a download that does not match is deleted.</param>
    /// <param name="fileName">Name in the cache; default = the last segment of the URL.</param>
    /// <param name="cancellationToken">Cancels the download; the partial file stays for a later resume.</param>
    /// <exception cref="ModelDownloadException">Offline and not cached, not found, cut short after every attempt, stalled, or a hash mismatch.</exception>
    public async Task<string> GetAsync(Uri url, string? sha256 = null, string? fileName = null, CancellationToken cancellationToken = default)
    {
        fileName ??= Path.GetFileName(url.LocalPath);
        if (string.IsNullOrEmpty(fileName) || fileName != Path.GetFileName(fileName) || fileName is "." or "..")
            throw new ArgumentException($"'{fileName}' is not a plain file name for the cache (from {url}).", nameof(fileName));
        var target = Path.Combine(Options.CheckpointFolder, fileName);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(target))
            {
                if (sha256 is null || await HashMatchesAsync(target, sha256, cancellationToken).ConfigureAwait(false))
                    return target;
                _logger.LogWarning("Cached {File} does not match its SHA-256 pin; downloading it again", target);
                File.Delete(target);
            }
            if (Options.Offline)
                throw new ModelDownloadException(url.ToString(),
                    $"'{fileName}' is not in the cache ({Options.CheckpointFolder}) and downloads are off ({ModelStoreOptions.OfflineVariable}). " +
                    $"Copy the file from {url} to {target}, pass a local copy instead ({LocalCopyHint}), or run once with network access.");

            Directory.CreateDirectory(Options.CheckpointFolder);
            await DownloadAsync(url, target, sha256, cancellationToken).ConfigureAwait(false);
            return target;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DownloadAsync(Uri url, string target, string? sha256, CancellationToken cancellationToken)
    {
        var partial = target + ".partial";
        Exception? last = null;
        for (var attempt = 1; attempt <= Options.MaxAttempts; attempt++)
        {
            try
            {
                await DownloadOnceAsync(url, partial, cancellationToken).ConfigureAwait(false);
                last = null;
                break;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                last = e;
                _logger.LogWarning("Download of {Url} failed on attempt {Attempt} of {Max}: {Reason}", url, attempt, Options.MaxAttempts, e.Message);
            }
        }
        if (last is not null)
            throw new ModelDownloadException(url.ToString(),
                $"Could not download {url} after {Options.MaxAttempts} attempts: {last.Message} {DescribePartial(partial)} " +
                $"Offline, download the file elsewhere and pass its path instead ({LocalCopyHint}).", last);

        if (sha256 is not null && !await HashMatchesAsync(partial, sha256, cancellationToken).ConfigureAwait(false))
        {
            var actual = await HashAsync(partial, cancellationToken).ConfigureAwait(false);
            File.Delete(partial);
            throw new ModelDownloadException(url.ToString(),
                $"{url} downloaded with SHA-256 {actual}, but {sha256.ToLowerInvariant()} was expected; the file was deleted. " +
                "The server may have replaced the file: check the source before changing the pin.");
        }
        File.Move(partial, target, overwrite: true); // atomic on one file system
        _logger.LogInformation("Downloaded {Url} to {Target}", url, target);
    }

    /// <summary>How a user hands over a checkpoint they downloaded themselves, in the CLI and in the library.</summary>
    private const string LocalCopyHint = "mlnetattn's --checkpoint <file>, or the checkpoint path argument of ModelConverter.Export";

    /// <summary>What is left of an unfinished download, said only as it is: a resume point, or nothing at all.</summary>
    private static string DescribePartial(string partial)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > 0)
            return $"The {have} bytes received so far are kept in {partial} and the next run resumes from there.";
        if (File.Exists(partial))
            File.Delete(partial); // an empty file resumes nothing; don't leave it behind
        return "No bytes were received.";
    }

    /// <summary>One HTTP attempt: resumes <paramref name="partial"/> when the server honours the range, else starts over.</summary>
    private async Task DownloadOnceAsync(Uri url, string partial, CancellationToken cancellationToken)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0)
            request.Headers.Range = new RangeHeaderValue(have, null);

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(Options.StallTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no response within {Options.StallTimeout.TotalSeconds:0.#} s.");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
            {
                File.Delete(partial); // the partial file is longer than the resource: start over next attempt
                throw new IOException("the server refused to resume (416); starting over.");
            }
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
                throw new ModelDownloadException(url.ToString(), $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: check the URL, or download the checkpoint by hand and pass its path.");
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}.");

            var resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
            if (!resumed)
                have = 0;
            var expected = response.Content.Headers.ContentLength is { } length ? have + length : (long?)null;
            if (expected > Options.MaxBytes)
                throw new ModelDownloadException(url.ToString(), $"{url} is {expected} bytes, over the store's limit of {Options.MaxBytes} bytes (ModelStoreOptions.MaxBytes).");

            await using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[1 << 16];
            var total = have;
            while (true)
            {
                stall.CancelAfter(Options.StallTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {Options.StallTimeout.TotalSeconds:0.#} s after {total} bytes.");
                }
                if (read == 0)
                    break;
                total += read;
                if (total > Options.MaxBytes)
                    throw new ModelDownloadException(url.ToString(), $"{url} sent more than the store's limit of {Options.MaxBytes} bytes.");
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (expected is { } want && total != want)
                throw new IOException($"the connection closed after {total} of {want} bytes.");
        }
    }

    private static async Task<bool> HashMatchesAsync(string path, string sha256, CancellationToken cancellationToken)
        => string.Equals(await HashAsync(path, cancellationToken).ConfigureAwait(false), sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>SHA-256 of a file, streamed, as lower-case hex.</summary>
    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}
