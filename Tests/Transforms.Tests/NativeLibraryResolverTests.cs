using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests;

[TestClass]
public sealed class NativeLibraryResolverTests
{
    [TestMethod]
    public void MissingExplicitPathNamesTheFileAndTheSetting()
    {
        var e = Assert.ThrowsExactly<DllNotFoundException>(() =>
            NativeLibraryResolver.Load("ONNX Runtime", "/nonexistent/libonnxruntime.so.1", "MLNETATTN_ORT_PATH", "libonnxruntime.so.1"));
        StringAssert.Contains(e.Message, "/nonexistent/libonnxruntime.so.1");
        StringAssert.Contains(e.Message, "option");
    }

    [TestMethod]
    public void BundledLibrariesSitBesideTheOutput()
    {
        foreach (var name in new[] { "libonnxruntime.so.1" })
            Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, name)), $"{name} was not copied beside the test output");
    }
}
