namespace MLNetAttn.Examples.Digits;

/// <summary>One image to classify (the columns the pipeline reads).</summary>
public sealed class ModelInput
{
    /// <summary>Path of a 64×64 digit image (PNG, JPEG, ...).</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The true digit, when known ("0".."9"); not used for prediction.</summary>
    public string? Label { get; set; }
}
