namespace MLNetAttn.Zoo.Store;

/// <summary>Where and how <see cref="ModelStore"/> keeps downloaded checkpoints.</summary>
public sealed record ModelStoreOptions
{
    /// <summary>Environment variable naming the cache root. Default root: ~/.cache/mlnetattn.</summary>
    public const string HomeVariable = "MLNETATTN_HOME";

    /// <summary>Environment variable that, when "1" or "true", forbids downloads (see <see cref="Offline"/>).</summary>
    public const string OfflineVariable = "MLNETATTN_OFFLINE";

    /// <summary>
    /// The cache root; checkpoints go to its <c>checkpoints</c> folder.
    /// Default = $MLNETATTN_HOME, else ~/.cache/mlnetattn.
    /// </summary>
    public string Home { get; init; } = DefaultHome();

    /// <summary>
    /// When true nothing is downloaded: a file missing from the cache is an error that says where to put it.
    /// Default = $MLNETATTN_OFFLINE is "1" or "true".
    /// </summary>
    public bool Offline { get; init; } = IsOfflineByEnvironment();

    /// <summary>How long a download may go without receiving a byte before the attempt is abandoned. Default = 30 s.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per download; each retry resumes from the bytes already on disk. Default = 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Largest file the store accepts, to stop a misbehaving server filling the disk. Default = 4 GiB.</summary>
    public long MaxBytes { get; init; } = 4L << 30;

    /// <summary>The folder checkpoints are cached in.</summary>
    public string CheckpointFolder => Path.Combine(Home, "checkpoints");

    private static string DefaultHome()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        return string.IsNullOrEmpty(home)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "mlnetattn")
            : home;
    }

    private static bool IsOfflineByEnvironment()
        => Environment.GetEnvironmentVariable(OfflineVariable) is { } value
           && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
