using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Transforms.Tests.Onnx;

/// <summary>The runtime comes from the pinned NuGet packages, and says so.</summary>
[TestClass]
public sealed class OnnxRuntimeInfoTests
{
    [TestMethod]
    public void PinnedPackageVersionIsLoaded()
    {
        Assert.AreEqual("1.32.0", OnnxRuntimeInfo.Version);
        CollectionAssert.Contains(OnnxRuntimeInfo.AvailableProviders.ToList(), "CPUExecutionProvider");
    }

    [TestMethod]
    public void LibraryPathIsThePackagesNativeCopy()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("the loaded library's path is read from /proc/self/maps on Linux");
        var path = OnnxRuntimeInfo.LibraryPath;
        Assert.IsTrue(File.Exists(path), path);
        // Copied from the package's runtimes/<rid>/native folder into the output, not found elsewhere on the system.
        StringAssert.StartsWith(path, AppContext.BaseDirectory.TrimEnd('/'));
        StringAssert.EndsWith(path, "/native/libonnxruntime.so");
    }
}
