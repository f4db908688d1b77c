using System.Globalization;

namespace MLNetAttn.Zoo.Onnx;

/// <summary>Folding a per-channel scale of a value into the convolutions that read it.</summary>
public sealed partial class GraphBuilder
{
    /// <summary>
    /// Makes every reader of <paramref name="value"/> compute as if it read <c>value[:, c] * scales[c]</c>, by
    /// scaling the input-channel slices of their weights: <c>W'[o, c, ...] = W[o, c, ...] * scales[c]</c>. A Conv
    /// is linear in its input and its zero padding stays zero under a scale, so this is exact up to float rounding.
    /// </summary>
    /// <remarks>
    /// Call it once the graph around <paramref name="value"/> is complete. Every node reading the value must be
    /// a Conv of the default domain with the value as input 0 (and nowhere else), <c>group</c> = 1, and a weight
    /// [O, C, k...] with C = <paramref name="scales"/>.Length that is an initializer of this builder (directly,
    /// or widened from float16 storage by its Cast) and read by nothing but that Conv. Everything is checked before
    /// anything changes, so a refused fold leaves the graph as it was. Scaled weights are new copies: memory a
    /// float32 initializer borrowed is never written.
    /// <code>
    /// var centered = g.Sub(g.Cast(pixels, TensorElementType.Float), meanTimes255);
    /// // ... the network reads centered ...
    /// g.FoldInputChannelScale(centered, [1 / (255 * 0.229), 1 / (255 * 0.224), 1 / (255 * 0.225)]);
    /// </code>
    /// </remarks>
    /// <param name="value">The value whose readers get the scale, for example the centered input.</param>
    /// <param name="scales">One finite factor per channel (axis 1 of <paramref name="value"/>); double, so each
    /// scaled float32 weight is rounded once.</param>
    /// <returns>How many Conv weights were scaled.</returns>
    /// <exception cref="InvalidOperationException">A reader of the value is not such a Conv, or nothing reads the value;
    /// the message names the graph, the node and the reason.</exception>
    public int FoldInputChannelScale(GraphValue value, ReadOnlySpan<double> scales)
    {
        RequireDefined(value, "value to fold a scale into");
        if (scales.IsEmpty)
        {
            throw new ArgumentException($"No scales given for '{value.Name}' in graph '{GraphName}'; pass one factor per channel.", nameof(scales));
        }

        foreach (double s in scales)
        {
            if (!double.IsFinite(s))
            {
                throw new ArgumentException($"The scales for '{value.Name}' in graph '{GraphName}' contain {s.ToString(CultureInfo.InvariantCulture)}; every factor must be finite.", nameof(scales));
            }
        }

        // Check every reader first, then rewrite: a refusal must not leave half the weights scaled.
        var targets = new List<int>();
        bool anyReader = false;
        foreach (OnnxNode node in _nodes)
        {
            if (Array.IndexOf(node.Inputs, value.Name) < 0)
            {
                continue;
            }

            anyReader = true;
            targets.Add(FoldTarget(node, value.Name, scales.Length));
        }

        if (!anyReader)
        {
            throw new InvalidOperationException($"Graph '{GraphName}': no node reads '{value.Name}', so there is no convolution to fold its channel scale into; fold after building the nodes that read it.");
        }

        foreach (int index in targets)
        {
            _initializers[index] = Scaled(_initializers[index], scales);
        }

        return targets.Count;
    }

    /// <summary>Checks one reader and returns the index of the weight initializer to scale.</summary>
    private int FoldTarget(OnnxNode node, string value, int channels)
    {
        if (node.OpType != "Conv" || node.Domain.Length != 0)
        {
            throw Refuse(node, value, $"it is a {node.OpType}, not a Conv; a channel scale can only be folded into convolution weights");
        }

        if (node.Inputs[0] != value || Array.LastIndexOf(node.Inputs, value) != 0)
        {
            throw Refuse(node, value, "it reads the value as a weight or bias, not (only) as its data input 0");
        }

        long group = 1;
        foreach (OnnxAttribute attribute in node.Attributes)
        {
            if (attribute.Name == "group")
            {
                group = attribute.IntValue;
            }
        }

        if (group != 1)
        {
            throw Refuse(node, value, string.Create(CultureInfo.InvariantCulture, $"it has group = {group}; with grouped weights the input channels are not axis 1 of every filter"));
        }

        if (node.Inputs.Length < 2 || node.Inputs[1].Length == 0)
        {
            throw Refuse(node, value, "it has no weight input");
        }

        // A float16-stored weight is read through the Cast that widens it (see AddFloat16).
        string weight = node.Inputs[1];
        OnnxNode? widen = _nodes.Find(n => Array.IndexOf(n.Outputs, weight) >= 0);
        if (widen is not null)
        {
            int half = widen.OpType == "Cast" && widen.Inputs.Length == 1 ? IndexOfInitializer(widen.Inputs[0]) : -1;
            if (half < 0 || _initializers[half].ElementType != TensorElementType.Float16)
            {
                throw Refuse(node, value, $"its weight '{weight}' is computed by {widen.OpType} node '{widen.Name}', not an initializer of this graph");
            }

            RequireSoleReader(node, value, weight, node);
            RequireSoleReader(node, value, widen.Inputs[0], widen);
            weight = widen.Inputs[0];
        }
        else
        {
            RequireSoleReader(node, value, weight, node);
        }

        int index = IndexOfInitializer(weight);
        if (index < 0)
        {
            throw Refuse(node, value, $"its weight '{weight}' is not an initializer of this graph (a graph input cannot be rescaled)");
        }

        OnnxInitializer init = _initializers[index];
        if (init.ElementType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw Refuse(node, value, $"its weight '{weight}' is {init.ElementType}, not float32 or float16");
        }

        if (init.Dims.Length < 3 || init.Dims[1] != channels)
        {
            throw Refuse(node, value, $"its weight '{weight}' has shape [{string.Join(", ", init.Dims)}], but {channels} scales need [O, {channels}, k...]");
        }

        if (_outputs.Exists(o => o.Name == weight))
        {
            throw Refuse(node, value, $"its weight '{weight}' is also a graph output");
        }

        return index;
    }

    /// <summary>Refuses a weight that another node (or a second input of the same node) also reads.</summary>
    private void RequireSoleReader(OnnxNode conv, string value, string weight, OnnxNode reader)
    {
        foreach (OnnxNode node in _nodes)
        {
            int uses = 0;
            foreach (string input in node.Inputs)
            {
                uses += input == weight ? 1 : 0;
            }

            if (uses > (ReferenceEquals(node, reader) ? 1 : 0))
            {
                throw Refuse(conv, value, $"its weight '{weight}' is shared with node '{node.Name}' ({node.OpType}), whose use of it must not be rescaled; give this Conv its own weight");
            }
        }
    }

    private InvalidOperationException Refuse(OnnxNode node, string value, string why)
        => new($"Cannot fold a channel scale of '{value}' into node '{node.Name}' of graph '{GraphName}': {why}.");

    private int IndexOfInitializer(string name) => _initializers.FindIndex(i => i.Name == name);

    /// <summary>A copy of a [O, C, k...] weight with each input-channel slice multiplied by its scale.</summary>
    private static OnnxInitializer Scaled(OnnxInitializer weight, ReadOnlySpan<double> scales)
    {
        int channels = scales.Length;
        int kernel = checked((int)(weight.ElementCount / weight.Dims[0] / channels));
        var scaled = new float[checked((int)weight.ElementCount)];
        if (weight.ElementType == TensorElementType.Float)
        {
            ReadOnlySpan<float> source = weight.Floats.Span;
            for (int i = 0; i < scaled.Length; i++)
            {
                // The product is formed in double, so each new weight is rounded to float32 once.
                scaled[i] = (float)(source[i] * scales[i / kernel % channels]);
            }

            return OnnxInitializer.Float32(weight.Name, weight.Dims, scaled);
        }

        // Float16 storage rounds twice: the checkpoint's weight was rounded to float16 when it was added, and the
        // scaled value is rounded to float16 again here (a relative error of at most 2^-11 each time).
        ReadOnlySpan<Half> halves = weight.Halves;
        for (int i = 0; i < scaled.Length; i++)
        {
            scaled[i] = (float)((double)(float)halves[i] * scales[i / kernel % channels]);
        }

        return OnnxInitializer.Float16(weight.Name, weight.Dims, ToHalf(weight.Name, scaled));
    }
}
