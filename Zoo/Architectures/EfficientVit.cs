namespace MLNetAttn.Zoo.Architectures;

/// <summary>Graph builder for the family (being written).</summary>
public static class EfficientVitArchitecture
{
    /// <summary>Creates the builder for a variant.</summary>
    public static ModelArchitecture Create(string variant) => throw new NotSupportedException($"{variant} cannot be converted yet.");
}
