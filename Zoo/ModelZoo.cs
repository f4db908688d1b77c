namespace MLNetAttn.Zoo;

/// <summary>
/// The registry of model cards. Every value comes from the official repositories (see
/// Tests/Reference/FACTS.md for the file each was read from); parameter counts are those of the
/// official modules, checked against the committed state_dict manifests by the tests.
/// </summary>
public static class ModelZoo
{
    private const string ShvitPaper = "arXiv:2401.16456";
    private const string ShvitOrigin = "https://github.com/ysj9909/SHViT";
    private const string ShvitRelease = "https://github.com/ysj9909/SHViT/releases/download/v1.0/";
    private const string EvitPaper = "arXiv:2205.14756";
    private const string EvitOrigin = "https://github.com/mit-han-lab/efficientvit";
    private const string EvitRelease = "https://huggingface.co/han-cai/efficientvit-cls/resolve/main/";
    private const string CloPaper = "arXiv:2303.17803";
    private const string CloOrigin = "https://github.com/qhfan/CloFormer";

    private static readonly ModelCard[] Cards = [.. Shvit(), .. EfficientVit(), .. CloFormer()];

    private static readonly Dictionary<string, ModelCard> ByName = BuildIndex();

    /// <summary>Every card, in family then size order.</summary>
    public static IReadOnlyList<ModelCard> All => Cards;

    /// <summary>
    /// Finds a card by <c>arch.tag</c>, or by architecture alone (its first, default tag). Case-insensitive.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Unknown name; the message lists the known architectures.</exception>
    public static ModelCard Get(string name)
        => TryGet(name, out var card)
            ? card
            : throw new KeyNotFoundException($"'{name}' is not a model in the zoo. Known: {string.Join(", ", Cards.Select(c => c.Architecture).Distinct())} (append .tag for a specific checkpoint, e.g. efficientvit_b1.r256_in1k).");

    /// <summary>Finds a card by <c>arch.tag</c> or architecture name.</summary>
    public static bool TryGet(string name, out ModelCard card) => ByName.TryGetValue(name, out card!);

    private static Dictionary<string, ModelCard> BuildIndex()
    {
        var index = new Dictionary<string, ModelCard>(StringComparer.OrdinalIgnoreCase);
        foreach (var card in Cards)
        {
            index.Add(card.Name, card);
            index.TryAdd(card.Architecture, card); // the first tag listed is the default
        }
        return index;
    }

    // SHViT eval: Resize(int(256 / 224 * size), bicubic), CenterCrop(size); S4 is evaluated at 256.
    private static IEnumerable<ModelCard> Shvit()
    {
        (string Arch, int Size, double Top1, long Params, double GMacs)[] variants =
        [
            ("shvit_s1", 224, 72.8, 6_330_808, 0.24),
            ("shvit_s2", 224, 75.2, 11_483_072, 0.37),
            ("shvit_s3", 224, 77.4, 14_245_273, 0.60),
            ("shvit_s4", 256, 79.4, 16_588_484, 0.99),
        ];
        return variants.Select(v => new ModelCard
        {
            Architecture = v.Arch, Tag = "in1k", Family = ModelFamily.Shvit,
            InputSize = v.Size, ResizeSize = (int)(256.0 / 224.0 * v.Size), CropPct = 0.875,
            Url = ShvitRelease + v.Arch + ".pth", CheckpointKey = "model",
            Top1 = v.Top1, Parameters = v.Params, GMacs = v.GMacs,
            License = "MIT", Paper = ShvitPaper, Origin = ShvitOrigin,
        });
    }

    // EfficientViT eval: Resize(ceil(size / crop_ratio), bicubic), CenterCrop(size); the published scores
    // use crop_ratio 0.95 for B1 and 1.0 for B2, B3 and L (assets/eval_efficientvit_cls_model.sh).
    private static IEnumerable<ModelCard> EfficientVit()
    {
        (string Arch, long Params, double Crop, (int Size, double Top1, double? GMacs)[] Tags)[] variants =
        [
            ("efficientvit_b0", 3_410_008, 0.95, [(224, double.NaN, 0.10)]),
            ("efficientvit_b1", 9_102_024, 0.95, [(224, 79.390, 0.52), (256, 79.918, 0.68), (288, 80.410, 0.86)]),
            ("efficientvit_b2", 24_330_712, 1.0, [(224, 82.100, 1.6), (256, 82.698, 2.1), (288, 83.086, 2.6)]),
            ("efficientvit_b3", 48_646_056, 1.0, [(224, 83.468, 4.0), (256, 83.806, 5.2), (288, 84.150, 6.5)]),
            ("efficientvit_l1", 52_654_088, 1.0, [(224, 84.484, 5.3)]),
            ("efficientvit_l2", 63_707_016, 1.0, [(224, 85.050, 6.9), (256, 85.366, null), (288, 85.630, null), (320, 85.734, null), (384, 85.978, 20)]),
            ("efficientvit_l3", 246_037_288, 1.0, [(224, 85.814, 28), (256, 85.938, null), (288, 86.070, null), (320, 86.230, null), (384, 86.408, 81)]),
        ];
        foreach (var (arch, parameters, crop, tags) in variants)
        {
            foreach (var (size, top1, gmacs) in tags)
            {
                // B0 is registered by the official code (efficientvit_b0_r224.pt) but not published with the others.
                var published = arch != "efficientvit_b0";
                yield return new ModelCard
                {
                    Architecture = arch, Tag = $"r{size}_in1k", Family = ModelFamily.EfficientVit,
                    InputSize = size, ResizeSize = (int)Math.Ceiling(size / crop), CropPct = crop,
                    Url = published ? $"{EvitRelease}{arch}_r{size}.pt" : null, CheckpointKey = "state_dict",
                    Top1 = double.IsNaN(top1) ? null : top1, Parameters = parameters, GMacs = gmacs,
                    License = "Apache-2.0", Paper = EvitPaper, Origin = EvitOrigin,
                    Notes = published ? null : "No official download is published for B0; convert a checkpoint you trained or obtained yourself.",
                };
            }
        }
    }

    // CloFormer eval: Resize(int(256 / 224 * 224) = 256, bicubic), CenterCrop(224). No weights are released.
    private static IEnumerable<ModelCard> CloFormer()
    {
        (string Arch, long Params, double Top1, double GMacs)[] variants =
        [
            ("cloformer_xxs", 4_166_728, 77.0, 0.6),
            ("cloformer_xs", 7_172_216, 79.8, 1.1),
            ("cloformer_s", 12_345_576, 81.6, 2.0),
        ];
        return variants.Select(v => new ModelCard
        {
            Architecture = v.Arch, Tag = "in1k", Family = ModelFamily.CloFormer,
            InputSize = 224, ResizeSize = 256, CropPct = 0.875, CheckpointKey = "model",
            Top1 = v.Top1, Parameters = v.Params, GMacs = v.GMacs,
            License = "MIT", Paper = CloPaper, Origin = CloOrigin,
            Notes = "Architecture only: the authors have released no pretrained weights; convert a checkpoint trained with the official code. Input sizes must be multiples of 32.",
        });
    }
}
