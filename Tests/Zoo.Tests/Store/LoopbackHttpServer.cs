using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MLNetAttn.Zoo.Tests.Store;

/// <summary>How the loopback server answers one path.</summary>
internal enum ServeMode
{
    /// <summary>200 with the whole body, or 206 for a range request.</summary>
    Normal,
    /// <summary>Announces the full length, sends half, closes; later requests are served normally.</summary>
    TruncateFirst,
    /// <summary>Like <see cref="TruncateFirst"/>, but ignores range requests (always 200 with the whole body).</summary>
    TruncateFirstNoRange,
    /// <summary>Sends headers and a few bytes, then goes silent until the server stops.</summary>
    Stall,
    /// <summary>Always announces the full length and sends half.</summary>
    AlwaysTruncate,
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 with scripted misbehaviour, for download tests. Requests are
/// bounded: each connection serves one request and the server stops when disposed.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, (byte[] Body, ServeMode Mode)> _routes = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public ConcurrentQueue<string> RangeHeaders { get; } = new();

    public Uri Url(string path) => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

    public void Serve(string path, byte[] body, ServeMode mode = ServeMode.Normal) => _routes[path] = (body, mode);

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var (path, range) = await ReadRequestAsync(stream);
            var hit = _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (range is not null)
                RangeHeaders.Enqueue(range);
            if (!_routes.TryGetValue(path, out var route))
            {
                await WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            var (body, mode) = route;
            var honourRange = mode is not ServeMode.TruncateFirstNoRange;
            long from = 0;
            if (range is not null && honourRange && range.StartsWith("bytes=", StringComparison.Ordinal))
                from = long.Parse(range["bytes=".Length..].TrimEnd('-'));
            var length = body.Length - from;
            var head = from > 0
                ? $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{body.Length - 1}/{body.Length}\r\n"
                : "HTTP/1.1 200 OK\r\n";
            await WriteAsync(stream, head + $"Content-Length: {length}\r\nConnection: close\r\n\r\n");

            var cut = mode switch
            {
                ServeMode.TruncateFirst or ServeMode.TruncateFirstNoRange when hit == 1 => length / 2,
                ServeMode.AlwaysTruncate => length / 2,
                ServeMode.Stall => Math.Min(16, length),
                _ => length,
            };
            await stream.WriteAsync(body.AsMemory((int)from, (int)cut));
            await stream.FlushAsync();
            if (mode == ServeMode.Stall)
                await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (Exception)
        {
            // The client went away or the server is stopping: nothing to report.
        }
    }

    private static async Task<(string Path, string? Range)> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 16384 && await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
                break;
        }
        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n");
        var path = lines[0].Split(' ')[1];
        var range = lines.FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))?["Range:".Length..].Trim();
        return (path, range);
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
