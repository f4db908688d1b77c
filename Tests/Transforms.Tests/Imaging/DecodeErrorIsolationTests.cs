using System.Collections.Concurrent;
using MLNetAttn.Tests.Shared;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Transforms.Tests.Imaging;

/// <summary>
/// libvips keeps one error buffer per process. However many decodes fail at once, each error names its own
/// input and carries its own cause, never another input's text.
/// </summary>
[TestClass]
public sealed class DecodeErrorIsolationTests
{
    [TestMethod]
    public void ConcurrentFailuresOfEveryKindEachCarryTheirOwnCause()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlnetattn-bad-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var files = BadImageFolder.Create(folder, ImagingFixtures.Images, ImagingFixtures.Fixture("huge_60000.png"), copies: 6);
            var problems = new ConcurrentQueue<string>();
            var failures = 0;
            for (var round = 0; round < 4; round++)
            {
                // Each round in another order, 8 threads taking files from one queue.
                var queue = new ConcurrentQueue<BadImageFile>(files.OrderBy(_ => Random.Shared.Next()));
                var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
                {
                    while (queue.TryDequeue(out var file))
                    {
                        string? error = null;
                        try
                        {
                            using var image = ImageDecoder.Decode(file.Path);
                        }
                        catch (ImageDecodeException e)
                        {
                            error = e.Message;
                            Interlocked.Increment(ref failures);
                            if (e.Input != file.Path)
                                problems.Enqueue($"{file.Path}: the exception's Input is {e.Input}");
                        }
                        if (BadImageFolder.Problem(file, error, files) is { } problem)
                            problems.Enqueue(problem);
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
            }
            Assert.AreEqual(4 * files.Count(f => f.Cause is not null), failures);
            Assert.IsEmpty(problems, string.Join("\n", problems.Take(10)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ConcurrentFailuresFromMemoryEachNameTheirOwnInput()
    {
        var bytes = File.ReadAllBytes(ImagingFixtures.Photo("truncated.jpg"));
        var failures = new ConcurrentBag<(string Name, ImageDecodeException Error)>();
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
            // truncated.jpg fails while its header is read, with these words each time.
            StringAssert.Contains(error.Message, "premature end of JPEG image");
        }
    }
}
