namespace MLNetAttn.Tests.Shared;

/// <summary>One file of a <see cref="BadImageFolder"/>: its path, and what its error must say (null for a good photo).</summary>
/// <param name="Path">The file.</param>
/// <param name="Cause">Text only this kind of failure puts in its message; null when the file decodes.</param>
internal sealed record BadImageFile(string Path, string? Cause);

/// <summary>
/// A folder of good photos mixed with broken files of every kind a decoder meets: empty files, text named .png
/// and .jpg, JPEGs and PNGs cut in half (the header loads, the pixels fail), valid headers followed by garbage, and
/// a PNG whose header declares 60000x60000 pixels. Names are numbered so no name is a prefix of another's.
/// </summary>
internal static class BadImageFolder
{
    /// <summary>The causes: each kind's own words, which no other kind's message contains.</summary>
    public const string Empty = "is empty (0 bytes)", NotAnImage = "is not an image", TruncatedJpeg = "premature end of JPEG",
        TruncatedPng = "libpng read error", GarbagePng = "bad header (invalid type)", HugePng = "MaxPixels";

    /// <summary>Every cause, to check that a message carries no other kind's.</summary>
    public static readonly string[] Causes = [Empty, NotAnImage, TruncatedJpeg, TruncatedPng, GarbagePng, HugePng];

    /// <summary>Writes <paramref name="copies"/> files of each kind into <paramref name="folder"/>.</summary>
    /// <param name="folder">An empty folder.</param>
    /// <param name="photos">The folder holding chelsea.png, coffee.png and rocket.jpg.</param>
    /// <param name="huge">huge_60000.png (a 60000x60000 header over no pixels).</param>
    /// <param name="copies">Files per kind.</param>
    public static List<BadImageFile> Create(string folder, string photos, string huge, int copies)
    {
        var rocket = File.ReadAllBytes(System.IO.Path.Combine(photos, "rocket.jpg"));
        var chelsea = File.ReadAllBytes(System.IO.Path.Combine(photos, "chelsea.png"));
        var random = new Random(13);
        var files = new List<BadImageFile>();
        void Write(string name, byte[] bytes, string? cause)
        {
            var path = System.IO.Path.Combine(folder, name);
            File.WriteAllBytes(path, bytes);
            files.Add(new BadImageFile(path, cause));
        }
        byte[] Garbage(byte[] header, int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            header.CopyTo(bytes, 0);
            return bytes;
        }

        for (var i = 0; i < copies; i++)
        {
            Write($"good_jpeg_{i:D3}.jpg", rocket, null);
            Write($"good_png_{i:D3}.png", chelsea, null);
            Write($"empty_{i:D3}.jpg", [], Empty);
            Write($"text_{i:D3}.png", "this is a text file, not a PNG"u8.ToArray(), NotAnImage);
            Write($"text_{i:D3}.jpg", "neither is this a JPEG"u8.ToArray(), NotAnImage);
            Write($"half_jpeg_{i:D3}.jpg", rocket[..(rocket.Length / 2)], TruncatedJpeg);
            Write($"half_png_{i:D3}.png", chelsea[..(chelsea.Length / 2)], TruncatedPng);
            // PNG signature and the IHDR chunk (8 + 25 bytes), then a chunk whose type is not letters, then noise.
            // (A JPEG header followed by noise decodes, with a warning: libvips fails on truncation, not on corrupt data.)
            Write($"garbage_png_{i:D3}.png", Garbage([.. chelsea[..33], 0, 0, 1, 0, 0xAF, 0xCD, 0xD9, 0xE3], 20_000), GarbagePng);
            File.Copy(huge, System.IO.Path.Combine(folder, $"huge_{i:D3}.png"));
            files.Add(new BadImageFile(System.IO.Path.Combine(folder, $"huge_{i:D3}.png"), HugePng));
        }
        return files;
    }

    /// <summary>
    /// Checks one file's error: null for a good photo; otherwise it names this file, carries this file's cause,
    /// and names no other file and no other kind's cause. Returns what is wrong, or null.
    /// </summary>
    public static string? Problem(BadImageFile file, string? error, IReadOnlyList<BadImageFile> all)
    {
        if (file.Cause is null)
            return error is null ? null : $"{file.Path} decodes, yet its row says: {error}";
        if (error is null)
            return $"{file.Path} should fail with '{file.Cause}' but has no error";
        if (!error.Contains($"'{file.Path}'", StringComparison.Ordinal))
            return $"the error of {file.Path} does not name it: {error}";
        // Other files are named in quotes like this one; their paths share the folder, so look for the quoted name.
        var others = all.Where(o => o.Path != file.Path && error.Contains(System.IO.Path.GetFileName(o.Path) + "'", StringComparison.Ordinal)).ToList();
        if (others.Count > 0)
            return $"the error of {file.Path} names {others[0].Path}: {error}";
        var own = error.Replace(file.Path, "", StringComparison.Ordinal);
        if (!own.Contains(file.Cause, StringComparison.Ordinal))
            return $"the error of {file.Path} lacks its cause '{file.Cause}': {error}";
        var foreign = Causes.FirstOrDefault(c => c != file.Cause && own.Contains(c, StringComparison.Ordinal));
        return foreign is null ? null : $"the error of {file.Path} carries another kind's cause '{foreign}': {error}";
    }
}
