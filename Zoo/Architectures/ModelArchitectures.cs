namespace MLNetAttn.Zoo.Architectures;

/// <summary>Creates the graph builder for an architecture name.</summary>
public static class ModelArchitectures
{
    /// <summary>The builder for <paramref name="architecture"/> (e.g. <c>shvit_s4</c>, <c>efficientvit_l2</c>, <c>cloformer_xs</c>).</summary>
    /// <exception cref="KeyNotFoundException">Not an architecture the zoo knows.</exception>
    public static ModelArchitecture Create(string architecture)
    {
        var name = architecture.ToLowerInvariant();
        return name switch
        {
            _ when name.StartsWith("shvit_", StringComparison.Ordinal) => ShvitArchitecture.Create(name),
            _ when name.StartsWith("efficientvit_", StringComparison.Ordinal) => EfficientVitArchitecture.Create(name),
            _ when name.StartsWith("cloformer_", StringComparison.Ordinal) => CloFormerArchitecture.Create(name),
            _ => throw new KeyNotFoundException($"'{architecture}' is not an architecture the zoo can convert (families: shvit_*, efficientvit_*, cloformer_*)."),
        };
    }
}
