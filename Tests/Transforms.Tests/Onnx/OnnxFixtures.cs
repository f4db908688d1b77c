using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>The committed ONNX fixtures (written by Tests/Reference/make_onnx_fixtures.py) and their expected values.</summary>
internal static class OnnxFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx");

    /// <summary>Conv+Relu+GlobalAveragePool+Flatten+Gemm; input "input" [N,3,8,8] float, output "logits" [N,5].</summary>
    public static string TinyConvnet => Path.Combine(Folder, "tiny_convnet.onnx");

    /// <summary>float16/int64/uint8/bool inputs and outputs, all [2,3].</summary>
    public static string MixedTypes => Path.Combine(Folder, "mixed_types.onnx");

    /// <summary>One named array from a fixture's JSON file: shape plus flat data.</summary>
    public sealed record Array(long[] Shape, double[] Data)
    {
        public float[] Floats() => Data.Select(v => (float)v).ToArray();
        public Half[] Halves() => Data.Select(v => (Half)v).ToArray();
        public long[] Longs() => Data.Select(v => (long)v).ToArray();
        public byte[] Bytes() => Data.Select(v => (byte)v).ToArray();
        public bool[] Bools() => Data.Select(v => v != 0).ToArray();
    }

    public static IReadOnlyDictionary<string, Array> Expected(string jsonName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, jsonName)));
        var result = new Dictionary<string, Array>();
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var data = entry.Value.GetProperty("data").EnumerateArray()
                .Select(e => e.ValueKind switch
                {
                    JsonValueKind.True => 1.0,
                    JsonValueKind.False => 0.0,
                    _ => e.GetDouble(),
                }).ToArray();
            result[entry.Name] = new Array(shape, data);
        }
        return result;
    }
}

/// <summary>An <see cref="ILoggerProvider"/> that keeps every message, plus the small factory that serves it.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                owner.Messages.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
