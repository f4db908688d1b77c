using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>The generic operation entry point and its error funnel.</summary>
[TestClass]
public sealed class VipsOperationTests
{
    [TestMethod]
    public void TheBundledLibvipsIsLoaded()
    {
        Assert.AreEqual("8.18.7", VipsSettings.LibvipsVersion);
        StringAssert.EndsWith(VipsApi.Library.Path, "libvips-cpp.so.8.18.7");
    }

    [TestMethod]
    public void UnknownOperationNamesItAndTheInput()
    {
        var e = Assert.ThrowsExactly<VipsException>(() => VipsOperation.Call("no_such_operation", new VipsArgs(), [], "input-a"));
        StringAssert.Contains(e.Message, "no_such_operation");
        StringAssert.Contains(e.Message, "input-a");
        Assert.AreEqual("no_such_operation", e.Operation);
    }

    [TestMethod]
    public void EnumArgumentsAreSetByNick()
    {
        using var image = ImageDecoder.Decode(ImagingFixtures.Fixture("grey.png"));
        using var mirrored = RgbImageVips.Borrow(image, "flip test", source =>
        {
            using var flipped = VipsOperation.CallImage("flip", new VipsArgs().Add("in", source).Add("direction", "horizontal"), "flip test");
            return RgbImageVips.ToRgbImage(flipped);
        });
        Assert.AreEqual(image[0, 0], mirrored[39, 0]);
        Assert.AreEqual(image[39, 5], mirrored[0, 5]);

        var e = Assert.ThrowsExactly<VipsException>(() => RgbImageVips.Borrow(image, "flip test", source =>
            VipsOperation.CallImage("flip", new VipsArgs().Add("in", source).Add("direction", "sideways"), "flip test")));
        StringAssert.Contains(e.Message, "sideways");
        StringAssert.Contains(e.Message, "direction");
    }

    [TestMethod]
    public void UnknownArgumentAndMissingRequiredArgumentAreReported()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => VipsOperation.Call("black", new VipsArgs().Add("colour", 3), ["out"], "x"));
        StringAssert.Contains(e.Message, "colour");
        var missing = Assert.ThrowsExactly<VipsException>(() => VipsOperation.Call("black", new VipsArgs().Add("width", 3), ["out"], "black test"));
        StringAssert.Contains(missing.Message, "black");
    }

    [TestMethod]
    public void IntAndDoubleOutputsAreRead()
    {
        using var image = ImageDecoder.Decode(ImagingFixtures.Fixture("grey.png"));
        var results = RgbImageVips.Borrow(image, "stats", source => VipsOperation.Call("max", new VipsArgs().Add("in", source), ["out", "x", "y"], "stats"));
        Assert.AreEqual(255.0, (double)results[0]!);
        Assert.AreEqual(39, (int)results[1]!);
    }

    [TestMethod]
    public void ConcurrentFailuresEachNameTheirOwnInput()
    {
        // libvips' error buffer is process-global; each exception must still carry its own input and operation.
        var bytes = File.ReadAllBytes(ImagingFixtures.Photo("truncated.jpg"));
        var failures = new System.Collections.Concurrent.ConcurrentBag<(string Name, ImageDecodeException Error)>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                var name = $"thread{t}-item{i}";
                try
                {
                    using var _ = ImageDecoder.Decode(bytes, name);
                }
                catch (ImageDecodeException e)
                {
                    failures.Add((name, e));
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.HasCount(80, failures);
        foreach (var (name, error) in failures)
        {
            Assert.AreEqual(name, error.Input);
            StringAssert.StartsWith(error.Message, $"Could not decode image '{name}'");
        }
    }
}
