using System.Globalization;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>
/// The front of a graph that takes uint8 RGB pixels (<see cref="ExportOptions.Uint8Input"/>): Cast to float, Sub
/// of mean·255 per channel, and, once the network is built, 1/(255·std) folded into the first convolutions.
/// </summary>
/// <remarks>
/// Only the scale is folded. The subtraction stays a graph op because the first conv pads with zeros: zero in
/// (x - 255·mean) space is zero in normalized space, so conv(W / (255·std), x - 255·mean) equals
/// conv(W, (x/255 - mean) / std) at the borders too, whereas folding the mean into the bias would not.
/// </remarks>
internal static class Uint8InputStage
{
    /// <summary>Name of the float32 [1, 3, 1, 1] initializer holding mean·255.</summary>
    public const string MeanName = "input_mean_x255";

    /// <summary>Declares the uint8 input and returns the centered float value (x - 255·mean) the network reads.</summary>
    public static GraphValue Create(GraphBuilder graph, string inputName, int resolution, ModelCard? card, string architecture)
    {
        var (mean, _) = Normalization(card, architecture);
        var pixels = graph.Input(inputName, TensorElementType.UInt8, ["batch", 3, resolution, resolution]);
        var asFloat = graph.Cast(pixels, TensorElementType.Float, name: inputName + "_float");
        var mean255 = new float[3];
        for (var c = 0; c < 3; c++)
            mean255[c] = (float)(255.0 * mean[c]);
        // Float32 even with float16 weight storage: 255·0.485 = 123.675 would become 123.6875 as a half.
        var meanValue = graph.Initializer(MeanName, mean255, [1, 3, 1, 1], WeightStorage.Float32);
        return graph.Sub(asFloat, meanValue, name: inputName + "_centered");
    }

    /// <summary>Folds 1/(255·std[c]) into the convolutions reading <paramref name="centered"/>.</summary>
    public static void FoldScale(GraphBuilder graph, GraphValue centered, ModelCard? card, string architecture)
    {
        var (_, std) = Normalization(card, architecture);
        graph.FoldInputChannelScale(centered, [1.0 / (255.0 * std[0]), 1.0 / (255.0 * std[1]), 1.0 / (255.0 * std[2])]);
    }

    private static (IReadOnlyList<float> Mean, IReadOnlyList<float> Std) Normalization(ModelCard? card, string architecture)
    {
        if (card is null)
            throw new ArgumentException(
                $"{architecture}: ExportOptions.Uint8Input needs the model card's mean and std to normalize inside the graph, and no card was given; " +
                "pass the card (ModelZoo.Get(name)) or leave Uint8Input off and normalize the pixels before scoring.", nameof(card));
        if (card.Mean.Count != 3 || card.Std.Count != 3)
            throw new ArgumentException($"{card.Name}: the card has {card.Mean.Count} mean and {card.Std.Count} std values; a uint8 RGB input needs 3 of each.", nameof(card));
        foreach (var s in card.Std)
            if (!(s > 0) || !float.IsFinite(s))
                throw new ArgumentException($"{card.Name}: std {s.ToString(CultureInfo.InvariantCulture)} cannot divide; every std must be positive and finite.", nameof(card));
        return (card.Mean, card.Std);
    }
}
