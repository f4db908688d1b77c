using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Cli.Commands;

/// <summary><c>mlnetattn zoo ...</c>: the model registry.</summary>
internal static class ZooCommand
{
    public static Command Create() => new("zoo", "List the models the zoo can convert, and convert checkpoints to ONNX.") { CreateList(), CreateExport() };

    private static Command CreateExport()
    {
        var model = new Argument<string>("model") { Description = "Zoo model: an architecture (shvit_s4) or architecture.tag (efficientvit_b1.r256_in1k)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint: a local .pth/.safetensors file or an http(s) URL (downloaded into the cache). Default: the card's official URL." };
        var output = new Option<string>("--out") { Description = "The .onnx file to write.", Required = true };
        var resolution = new Option<int?>("--resolution") { Description = "Square input size (default: the card's)." };
        var fp16 = new Option<bool>("--fp16") { Description = "Store weights as float16 (computation stays float32)." };
        var features = new Option<bool>("--features") { Description = "Also output the named stage features (for heads)." };
        var uint8Input = new Option<bool>("--uint8-input") { Description = "The graph takes uint8 RGB pixels and normalizes them itself: feed the resized, cropped image bytes." };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of a downloaded checkpoint." };
        var verbose = new Option<bool>("--verbose") { Description = "Log downloads and native library loading." };
        var command = new Command("export", "Convert an official checkpoint to ONNX (input 'input' N x 3 x H x W normalized float, or uint8 RGB with --uint8-input; output 'logits').")
        {
            model, checkpoint, output, resolution, fp16, features, uint8Input, sha256, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var logging = CliLogging.Create(result.GetValue(verbose));
            var name = result.GetRequiredValue(model);
            try
            {
                var card = ModelZoo.Get(name);
                var source = result.GetValue(checkpoint) ?? card.Url
                    ?? throw new ArgumentException($"{card.Name} has no released weights ({card.Notes}) Pass --checkpoint with a checkpoint trained with the official code.");
                using var store = new ModelStore(logger: logging.CreateLogger("MLNetAttn.Store"));
                var local = await store.ResolveAsync(source, result.GetValue(sha256) ?? (source == card.Url ? card.Sha256 : null), cancellationToken);
                var converted = ModelConverter.Export(card.Name, local, result.GetRequiredValue(output), new ExportOptions
                {
                    Resolution = result.GetValue(resolution),
                    Fp16Weights = result.GetValue(fp16),
                    Features = result.GetValue(features),
                    Uint8Input = result.GetValue(uint8Input),
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{converted.OutputPath}: {converted.ModelName} at {converted.Resolution}x{converted.Resolution}, {converted.NumClasses} classes,{(result.GetValue(uint8Input) ? " uint8 RGB input," : "")} outputs {string.Join(", ", converted.Outputs)}; checkpoint sha256 {converted.CheckpointSha256}; {converted.Elapsed.TotalSeconds:0.00} s"));
                return 0;
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException or CheckpointFormatException or ModelDownloadException or FileNotFoundException or NotSupportedException or IOException)
            {
                Console.Error.WriteLine($"mlnetattn zoo export {name}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per model card instead of a table." };
        var command = new Command("list", "List every model card: input size, eval preprocessing, weights, top-1, parameters.") { json };
        command.SetAction(result =>
        {
            if (result.GetValue(json))
            {
                foreach (var card in ModelZoo.All)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        name = card.Name, family = card.Family.ToString(), input_size = card.InputSize, resize_size = card.ResizeSize,
                        crop_pct = card.CropPct, interpolation = card.Interpolation.ToString().ToLowerInvariant(), mean = card.Mean, std = card.Std,
                        url = card.Url, weights_released = card.WeightsReleased, top1 = card.Top1, parameters = card.Parameters, gmacs = card.GMacs,
                        license = card.License, notes = card.Notes,
                    }));
                return 0;
            }
            Console.WriteLine($"{"name",-28} {"input",5} {"resize",6} {"crop",5} {"top-1",6} {"params",12} {"weights",-8}");
            foreach (var card in ModelZoo.All)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{card.Name,-28} {card.InputSize,5} {card.ResizeSize,6} {card.CropPct,5:0.###} {card.Top1?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-",6} {card.Parameters,12:N0} {(card.WeightsReleased ? "yes" : "none"),-8}"));
            return 0;
        });
        return command;
    }
}
