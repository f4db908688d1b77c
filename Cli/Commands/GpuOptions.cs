using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MLNetAttn.Cli.Commands;

/// <summary>
/// <c>--gpu [device id]</c> and <c>--fallback-to-cpu</c>, shared by the commands that run a model. A bare <c>--gpu</c>
/// means device 0. CUDA needs the GPU build of ONNX Runtime (the Microsoft.ML.OnnxRuntime.Gpu package); without
/// it, <c>--gpu</c> fails naming that package, and <c>--gpu --fallback-to-cpu</c> runs on CPU and logs why.
/// </summary>
internal sealed class GpuOptions
{
    /// <summary>The CUDA device option; null when absent.</summary>
    public Option<int?> Gpu { get; } = new("--gpu")
    {
        Description = "Run the model on this CUDA device (bare --gpu: device 0). Needs the CUDA build of ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu), CUDA 13 and cuDNN 9.",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = Parse,
    };

    /// <summary>The fallback switch.</summary>
    public Option<bool> FallbackToCpu { get; } = new("--fallback-to-cpu")
    {
        Description = "With --gpu: when CUDA cannot be used, run on CPU and log why instead of failing.",
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Gpu);
        command.Options.Add(FallbackToCpu);
        command.Validators.Add(result =>
        {
            if (result.GetValue(FallbackToCpu) && result.GetResult(Gpu) is null)
                result.AddError("--fallback-to-cpu applies only with --gpu.");
        });
    }

    private static int? Parse(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
            return 0;
        var text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var device))
            return device;
        // The option takes at most one value, so the parser hands it the next word even when that is an image path.
        result.AddError($"--gpu takes a CUDA device id (0, 1, ...), not '{text}'. Write --gpu 0 before the images, or put --gpu after them.");
        return null;
    }
}
