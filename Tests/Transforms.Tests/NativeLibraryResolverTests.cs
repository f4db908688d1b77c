using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests;

[TestClass]
public sealed class NativeLibraryResolverTests
{
    [TestMethod]
    public void MissingExplicitPathNamesTheFileAndTheSetting()
    {
        var e = Assert.ThrowsExactly<DllNotFoundException>(() =>
            NativeLibraryResolver.Load("libvips", "/nonexistent/libvips-cpp.so.8.18.7", NativeRuntimeOptions.VipsPathVariable, "libvips-cpp.so.8.18.7"));
        StringAssert.Contains(e.Message, "/nonexistent/libvips-cpp.so.8.18.7");
        StringAssert.Contains(e.Message, "option");
    }

    [TestMethod]
    public void BundledLibrariesSitBesideTheOutput()
    {
        foreach (var name in new[] { "libvips-cpp.so.8.18.7" })
            Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, name)), $"{name} was not copied beside the test output");
    }
}
