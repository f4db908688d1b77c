namespace MLNetAttn.Examples.Digits;

/// <summary>What the model says about one image.</summary>
public sealed class ModelOutput
{
    /// <summary>The predicted digit, "0".."9".</summary>
    public string PredictedLabel { get; set; } = "";

    /// <summary>Probability of each digit, index = digit.</summary>
    public float[] Score { get; set; } = [];
}
