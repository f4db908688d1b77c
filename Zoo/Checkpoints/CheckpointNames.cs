namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>Tensor-name clean-up shared by the format readers.</summary>
internal static class CheckpointNames
{
    private const string ModulePrefix = "module.";

    /// <summary>Strips DataParallel's <c>module.</c> prefix when <see cref="CheckpointReadOptions.StripModulePrefix"/> is set.</summary>
    public static string Clean(string name, CheckpointReadOptions options) =>
        options.StripModulePrefix && name.StartsWith(ModulePrefix, StringComparison.Ordinal) ? name[ModulePrefix.Length..] : name;
}
