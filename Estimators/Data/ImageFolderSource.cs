namespace MLNetAttn.Estimators;

/// <summary>Lists the image files under a folder, lazily and in a stable order (LoadImagesFromDirectory).</summary>
internal static class ImageFolderSource
{
    /// <summary>File extensions taken as images (case-insensitive). The content decides the format when decoding.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic", ".heif", ".jxl", ".ppm", ".pgm",
    };

    /// <summary>
    /// Files in <paramref name="folder"/> and (when <paramref name="recursive"/>) its subfolders, sorted by name
    /// within each folder (ordinal), folders visited depth first. Only one folder's listing is held at a time.
    /// </summary>
    public static IEnumerable<string?[]> Rows(string folder, bool useFolderNameAsLabel, bool recursive, CancellationToken ct)
    {
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            var files = Directory.GetFiles(current);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                if (!Extensions.Contains(Path.GetExtension(file)))
                    continue;
                yield return useFolderNameAsLabel ? [file, Path.GetFileName(current)] : [file];
            }
            if (!recursive)
                continue;
            var folders = Directory.GetDirectories(current);
            Array.Sort(folders, StringComparer.Ordinal);
            for (var i = folders.Length - 1; i >= 0; i--)
                pending.Push(folders[i]);
        }
    }
}
