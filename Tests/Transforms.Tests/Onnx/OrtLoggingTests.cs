using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;
using Microsoft.Extensions.Logging;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>ONNX Runtime's own log reaches <see cref="NativeRuntimeOptions.LoggerFactory"/> through the custom logging function.</summary>
[TestClass]
public sealed class OrtLoggingTests
{
    [TestMethod]
    public void RuntimeWarningsArriveUnderTheOnnxRuntimeCategory()
    {
        var capture = new CapturingLoggerProvider();
        var previous = NativeRuntimeOptions.LoggerFactory;
        NativeRuntimeOptions.LoggerFactory = capture;
        try
        {
            // The runtime removes an initializer no node uses, and warns about it (at warning level, which
            // the env forwards whatever factory was current when it was created).
            using var session = OnnxSession.FromFile(Path.Combine(OnnxFixtures.Folder, "unused_initializer.onnx"));
            var messages = capture.Messages.ToList();
            var warning = messages.FirstOrDefault(m => m.Message.Contains("never_used", StringComparison.Ordinal));
            Assert.IsNotNull(warning.Message, "no runtime message mentioned 'never_used'; got: " + string.Join(" | ", messages.Select(m => m.Message)));
            Assert.AreEqual("OnnxRuntime", warning.Category);
            Assert.AreEqual(LogLevel.Warning, warning.Level);
            // The session's log id is the model path, so a reader can tell which model the runtime meant.
            StringAssert.Contains(warning.Message, "unused_initializer.onnx");
        }
        finally
        {
            NativeRuntimeOptions.LoggerFactory = previous;
        }
    }
}
