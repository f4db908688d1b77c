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
        // The package's native asset, copied into the output (beside the app in a build for one RID, as the tests are; under
        // runtimes/<rid>/native in a portable one), not found elsewhere on the system.
        StringAssert.StartsWith(path, AppContext.BaseDirectory.TrimEnd('/'));
        StringAssert.EndsWith(path, "/libonnxruntime.so");
    }
}
