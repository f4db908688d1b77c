using System.Text.Json;

namespace MLNetAttn.Zoo.Tests.Checkpoints;

/// <summary>Paths of the committed checkpoint fixtures and the values recorded for them by
/// Tests/Reference/make_checkpoint_fixtures.py.</summary>
internal static class CheckpointFixtures
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints");

    public static string PathOf(string name) => Path.Combine(Folder, name);

    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllBytes(PathOf("expected.json"))));

    /// <summary>The expected.json record of one good fixture.</summary>
    public static JsonElement Expected(string name) => Document.Value.RootElement.GetProperty(name);
}
