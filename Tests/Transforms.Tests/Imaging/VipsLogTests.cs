using Microsoft.Extensions.Logging;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests.Imaging;

[TestClass]
public sealed class VipsLogTests
{
    [TestMethod]
    public void LibvipsWarningsReachTheConfiguredLogger()
    {
        var previous = NativeRuntimeOptions.LoggerFactory;
        var capture = new CapturingLoggerFactory();
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(ImagingFixtures.Photo("truncated.jpg")));
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
        }
        var warnings = capture.Entries.Where(e => e.Level == LogLevel.Warning && e.Category == "MLNetAttn.Vips").ToList();
        Assert.IsNotEmpty(warnings, "libvips' warnings about the truncated JPEG did not reach the logger");
        Assert.IsTrue(warnings.Any(w => w.Message.Contains("JPEG", StringComparison.OrdinalIgnoreCase)), string.Join(" | ", warnings.Select(w => w.Message)));
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => owner.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
