using System.Globalization;
using System.Numerics.Tensors;

namespace MLNetAttn.Zoo.Onnx;

/// <summary>Initializers (weights) and small constants (shape tensors, scalars).</summary>
public sealed partial class GraphBuilder
{
    /// <summary>
    /// Adds a float weight tensor. The array is borrowed until the model is written (float32 storage) or
    /// converted at once (float16 storage).
    /// </summary>
    /// <param name="name">The initializer name, usually the checkpoint key (for example "stem.conv.weight").</param>
    /// <param name="data">The values in row-major order.</param>
    /// <param name="dims">The tensor shape; its product must equal the number of values.</param>
    /// <param name="storage">Overrides <see cref="WeightStorage"/> for this tensor. Default = null (the builder's setting).</param>
    /// <returns>The float32 value to compute with (a Cast output when stored as float16).</returns>
    public GraphValue Initializer(string name, float[] data, ReadOnlySpan<long> dims, WeightStorage? storage = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Initializer(name, data.AsMemory(), dims, storage);
    }

    /// <summary>
    /// Adds a float weight tensor whose memory is borrowed until the model is written (float32 storage)
    /// or converted at once (float16 storage).
    /// </summary>
    /// <param name="name">The initializer name, usually the checkpoint key.</param>
    /// <param name="data">The values in row-major order.</param>
    /// <param name="dims">The tensor shape; its product must equal the number of values.</param>
    /// <param name="storage">Overrides <see cref="WeightStorage"/> for this tensor. Default = null (the builder's setting).</param>
    /// <returns>The float32 value to compute with (a Cast output when stored as float16).</returns>
    public GraphValue Initializer(string name, ReadOnlyMemory<float> data, ReadOnlySpan<long> dims, WeightStorage? storage = null)
    {
        long[] shape = CheckShape(name, data.Length, dims);
        if ((storage ?? WeightStorage) == WeightStorage.Float32)
        {
            Reserve(name, "initializer");
            _initializers.Add(OnnxInitializer.Float32(name, shape, data));
            return new GraphValue(name);
        }

        return AddFloat16(name, ToHalf(name, data.Span), shape);
    }

    /// <summary>Adds a float weight tensor, copying the values.</summary>
    /// <param name="name">The initializer name, usually the checkpoint key.</param>
    /// <param name="data">The values in row-major order.</param>
    /// <param name="dims">The tensor shape; its product must equal the number of values.</param>
    /// <param name="storage">Overrides <see cref="WeightStorage"/> for this tensor. Default = null (the builder's setting).</param>
    /// <returns>The float32 value to compute with (a Cast output when stored as float16).</returns>
    public GraphValue Initializer(string name, ReadOnlySpan<float> data, ReadOnlySpan<long> dims, WeightStorage? storage = null)
    {
        CheckShape(name, data.Length, dims);
        return (storage ?? WeightStorage) == WeightStorage.Float32
            ? Initializer(name, data.ToArray().AsMemory(), dims, WeightStorage.Float32)
            : AddFloat16(name, ToHalf(name, data), dims.ToArray());
    }

    /// <summary>Adds a named int64 tensor (indices, shapes). The values are copied.</summary>
    /// <param name="name">The initializer name.</param>
    /// <param name="values">The values in row-major order.</param>
    /// <param name="dims">The tensor shape; its product must equal the number of values.</param>
    public GraphValue Int64Initializer(string name, ReadOnlySpan<long> values, ReadOnlySpan<long> dims)
    {
        long[] shape = CheckShape(name, values.Length, dims);
        Reserve(name, "initializer");
        _initializers.Add(OnnxInitializer.Int64(name, shape, values.ToArray()));
        return new GraphValue(name);
    }

    /// <summary>
    /// A 1-D int64 constant such as a Reshape shape or Slice starts. Equal vectors share one initializer.
    /// </summary>
    /// <param name="values">The values.</param>
    public GraphValue Int64Vector(ReadOnlySpan<long> values)
    {
        string key = "i64:" + string.Join(',', values.ToArray());
        if (_constants.TryGetValue(key, out GraphValue existing))
        {
            return existing;
        }

        // Constants are graph-wide, so they are named outside any scope.
        string name = Unique(_valueNames, "const_i64_" + ShortKey(values.Length));
        _valueNames.Add(name);
        _initializers.Add(OnnxInitializer.Int64(name, [values.Length], values.ToArray()));
        return _constants[key] = new GraphValue(name);
    }

    /// <summary>
    /// A float32 scalar (rank 0) constant, always stored as float32 so exact factors such as 0.5 stay exact.
    /// Equal scalars share one initializer.
    /// </summary>
    /// <param name="value">The value.</param>
    public GraphValue Scalar(float value)
    {
        string key = "f32:" + BitConverter.SingleToInt32Bits(value).ToString("x8", CultureInfo.InvariantCulture);
        if (_constants.TryGetValue(key, out GraphValue existing))
        {
            return existing;
        }

        string name = Unique(_valueNames, "const_f32");
        _valueNames.Add(name);
        _initializers.Add(OnnxInitializer.Float32(name, [], new[] { value }));
        return _constants[key] = new GraphValue(name);
    }

    /// <summary>A 1-D float32 constant (for example Resize scales). Equal vectors share one initializer.</summary>
    /// <param name="values">The values; copied.</param>
    public GraphValue FloatVector(ReadOnlySpan<float> values)
    {
        var bits = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]).ToString("x8", CultureInfo.InvariantCulture);
        }

        string key = "f32v:" + string.Join(',', bits);
        if (_constants.TryGetValue(key, out GraphValue existing))
        {
            return existing;
        }

        string name = Unique(_valueNames, "const_f32_" + ShortKey(values.Length));
        _valueNames.Add(name);
        _initializers.Add(OnnxInitializer.Float32(name, [values.Length], values.ToArray()));
        return _constants[key] = new GraphValue(name);
    }

    private GraphValue AddFloat16(string name, Half[] data, long[] shape)
    {
        Reserve(name, "initializer");
        _initializers.Add(OnnxInitializer.Float16(name, shape, data));

        // Computation stays float32: the stored half tensor is widened where it is used.
        return Op("Cast", [new GraphValue(name)], [OnnxAttribute.Int("to", (long)TensorElementType.Float)], name: Unique(_valueNames, name + "_fp32"));
    }

    private static string ShortKey(int length) => length.ToString(CultureInfo.InvariantCulture);

    /// <summary>Rounds to float16 (nearest, ties to even), refusing values that would overflow to infinity.</summary>
    private static Half[] ToHalf(string name, ReadOnlySpan<float> data)
    {
        var halves = new Half[data.Length];
        TensorPrimitives.ConvertToHalf(data, halves);

        // Finite values from 65520 up round to infinity. The vectorized magnitude scan keeps the common case
        // fast; only a model that has such values (or NaNs, which stay NaN) is walked element by element.
        if (data.IsEmpty || TensorPrimitives.MaxMagnitude(data) is var largest && Math.Abs(largest) < 65504f)
        {
            return halves;
        }

        for (int i = 0; i < data.Length; i++)
        {
            if (Half.IsInfinity(halves[i]) && float.IsFinite(data[i]))
            {
                throw new ArgumentException(
                    $"Initializer '{name}' holds {data[i].ToString(CultureInfo.InvariantCulture)} at index {i}, beyond float16's range (±65504); store it as float32 (storage: WeightStorage.Float32).",
                    nameof(data));
            }
        }

        return halves;
    }

    private static long[] CheckShape(string name, int count, ReadOnlySpan<long> dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long product = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Initializer '{name}' has a negative dimension in [{string.Join(", ", dims.ToArray())}]; initializer shapes are fixed.", nameof(dims));
            }

            product *= d;
        }

        if (product != count)
        {
            throw new ArgumentException(
                $"Initializer '{name}' has {count} values but shape [{string.Join(", ", dims.ToArray())}] needs {product}; check the checkpoint tensor and the shape.",
                nameof(dims));
        }

        return dims.ToArray();
    }
}
