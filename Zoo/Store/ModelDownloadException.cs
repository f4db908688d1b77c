namespace MLNetAttn.Zoo.Store;

/// <summary>A checkpoint could not be fetched into the cache: not found, cut short, stalled, wrong hash or offline.</summary>
public sealed class ModelDownloadException : Exception
{
    /// <summary>Creates the exception for <paramref name="location"/>.</summary>
    public ModelDownloadException(string location, string message, Exception? inner = null)
        : base(message, inner) => Location = location;

    /// <summary>The URL, or the cache file, the failure concerns.</summary>
    public string Location { get; }
}
