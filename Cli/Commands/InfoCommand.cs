using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Native;
using MLNetAttn.Transforms.Onnx;

namespace MLNetAttn.Cli.Commands;

/// <summary><c>mlnetattn info [images...]</c>: which native runtimes are in use, and a decode of the given images.</summary>
internal static class InfoCommand
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".avif"];

    public static Command Create()
    {
        var paths = new Argument<string[]>("images") { Description = "Image files or folders to decode.", Arity = ArgumentArity.ZeroOrMore };
        var verbose = new Option<bool>("--verbose") { Description = "Log what the native libraries do." };
        var command = new Command("info", "Print the native runtimes in use and decode the given images or folders (one line per image; a bad image is reported and the rest go on).") { paths, verbose };
        command.SetAction(result => Run(result.GetValue(paths) ?? [], result.GetValue(verbose)));
        return command;
    }

    private static int Run(string[] paths, bool verbose)
    {
        using var logging = CliLogging.Create(verbose);
        NativeRuntimeOptions.LoggerFactory = logging;

        Console.WriteLine($"MLNetAttn {typeof(InfoCommand).Assembly.GetName().Version} on .NET {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
        Console.WriteLine($"ONNX Runtime {OnnxRuntimeInfo.Version} ({OnnxRuntimeInfo.Package}) from {OnnxRuntimeInfo.LibraryPath}");
        Console.WriteLine($"  providers: {string.Join(", ", OnnxRuntimeInfo.AvailableProviders)}");
        Console.WriteLine($"libvips {VipsSettings.LibvipsVersion}");

        var files = Expand(paths).ToList();
        int decoded = 0, failed = 0;
        foreach (var file in files)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                using var image = ImageDecoder.Decode(file);
                var hash = Convert.ToHexStringLower(SHA256.HashData(image.Pixels))[..16];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok    {file}: {image.Width}x{image.Height} RGB, pixels sha256 {hash}…, {clock.Elapsed.TotalMilliseconds:0.0} ms"));
                decoded++;
            }
            catch (ImagingException e)
            {
                Console.WriteLine($"error {file}: {e.Message}");
                failed++;
            }
        }
        if (files.Count > 0)
            Console.WriteLine($"{decoded} decoded, {failed} failed");
        return files.Count > 0 && decoded == 0 ? 1 : 0;
    }

    /// <summary>Files as given; folders expanded (sorted) to the image files directly inside them.</summary>
    private static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
                    yield return file;
            }
            else
            {
                yield return path; // a missing file is reported by the decoder, with its name
            }
        }
    }
}
