namespace MLNetAttn.Zoo.Onnx;

/// <summary>How float initializers (weights) are stored in the written model.</summary>
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
