namespace MLNetAttn.Zoo.Tests.Onnx;

/// <summary>Deterministic random tensors and a double-precision reference convolution for the ONNX tests.</summary>
internal static class TestTensors
{
    public static float[] Uniform(Random random, int count, float low = -1f, float high = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }

        return values;
    }

    /// <summary>
    /// Direct 2-D convolution in double: x [N, C, H, W], w [O, C / groups, k, k], zero padding, square stride.
    /// </summary>
    public static double[] Conv2d(ReadOnlySpan<double> x, int n, int c, int h, int w, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, int o, int k, int stride, int padding, int groups, out int outH, out int outW)
    {
        outH = ((h + (2 * padding) - k) / stride) + 1;
        outW = ((w + (2 * padding) - k) / stride) + 1;
        int cPerGroup = c / groups, oPerGroup = o / groups;
        var y = new double[n * o * outH * outW];
        for (int b = 0; b < n; b++)
        {
            for (int oc = 0; oc < o; oc++)
            {
                int g = oc / oPerGroup;
                for (int oy = 0; oy < outH; oy++)
                {
                    for (int ox = 0; ox < outW; ox++)
                    {
                        double acc = bias.IsEmpty ? 0 : bias[oc];
                        for (int ic = 0; ic < cPerGroup; ic++)
                        {
                            int inC = (g * cPerGroup) + ic;
                            for (int ky = 0; ky < k; ky++)
                            {
                                int iy = (oy * stride) - padding + ky;
                                if (iy < 0 || iy >= h)
                                {
                                    continue;
                                }

                                for (int kx = 0; kx < k; kx++)
                                {
                                    int ix = (ox * stride) - padding + kx;
                                    if (ix < 0 || ix >= w)
                                    {
                                        continue;
                                    }

                                    acc += x[(((b * c) + inC) * h * w) + (iy * w) + ix] * weight[(((oc * cPerGroup) + ic) * k * k) + (ky * k) + kx];
                                }
                            }
                        }

                        y[(((b * o) + oc) * outH * outW) + (oy * outW) + ox] = acc;
                    }
                }
            }
        }

        return y;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
