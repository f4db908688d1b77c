namespace MLNetAttn.Zoo.Onnx;

/// <summary>How float initializers (weights) are stored in the written model.</summary>
/// <remarks>
/// Float16 storage shrinks the file only: ONNX Runtime folds each Cast of a constant when the session loads,
/// so weights sit in memory and compute as float32 and results match the float32 model up to the one
/// rounding of each weight. A graph computing in float16 (activations too, with numerically sensitive
/// parts such as softmax, normalization statistics and residual sums kept in float32 by Casts around
/// them) would also halve memory traffic on GPUs; it is not offered yet.
/// </remarks>
public enum WeightStorage
{
    /// <summary>As 32-bit floats, used directly.</summary>
    Float32 = 0,

    /// <summary>
    /// As 16-bit floats, each followed by a Cast to float32 so computation stays in float32.
    /// Halves the file; values are rounded to nearest float16 once, when the initializer is added.
    /// </summary>
    Float16 = 1,
}
