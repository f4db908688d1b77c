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
        // A JPEG whose entropy-coded data is noise: libvips decodes it (it fails on truncation, not on corrupt
        // data) and warns about it through its log.
        var rocket = File.ReadAllBytes(ImagingFixtures.Photo("rocket.jpg"));
        var noisy = new byte[rocket.Length];
        new Random(7).NextBytes(noisy);
        rocket.AsSpan(0, 2000).CopyTo(noisy);
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-noisy-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(path, noisy);
        var previous = NativeRuntimeOptions.LoggerFactory;
        var capture = new CapturingLoggerFactory();
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            using var image = ImageDecoder.Decode(path);
            Assert.AreEqual(640, image.Width);
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
            File.Delete(path);
        }
        var warnings = capture.Entries.Where(e => e.Level == LogLevel.Warning && e.Category == "MLNetAttn.Vips").ToList();
        Assert.IsNotEmpty(warnings, "libvips' warnings about the corrupt JPEG did not reach the logger");
        Assert.IsTrue(warnings.Any(w => w.Message.Contains("Corrupt JPEG data", StringComparison.Ordinal)), string.Join(" | ", warnings.Select(w => w.Message)));
    }

    [TestMethod]
    public void AFailureRunAloneIsNotLoggedTwice()
    {
        // A failing decode runs a second time, alone, to take its own error text; its warnings are logged once.
        var half = File.ReadAllBytes(ImagingFixtures.Photo("chelsea.png"));
        var path = Path.Combine(Path.GetTempPath(), $"mlnetattn-half-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, half[..(half.Length / 2)]);
        var previous = NativeRuntimeOptions.LoggerFactory;
        var capture = new CapturingLoggerFactory();
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            var e = Assert.ThrowsExactly<ImageDecodeException>(() => ImageDecoder.Decode(path));
            StringAssert.Contains(e.Message, "libpng read error");
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
            File.Delete(path);
        }
        var warnings = capture.Entries.Where(e => e.Level == LogLevel.Warning && e.Category == "MLNetAttn.Vips").Select(e => e.Message).ToList();
        Assert.IsNotEmpty(warnings, "the truncated PNG logs warnings");
        Assert.AreEqual(warnings.Count, warnings.Distinct().Count(), string.Join(" | ", warnings));
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
