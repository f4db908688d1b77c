using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLNetAttn.Estimators;

/// <summary>
/// The entry point of the library (ML.NET's <c>MLContext</c>): holds the logging and the seed, and exposes the
/// catalogs that create data views (<see cref="Data"/>), estimators (<see cref="Transforms"/>) and prediction
/// engines and saved models (<see cref="Model"/>).
/// </summary>
/// <remarks>
/// <code>
/// var vision = new VisionContext();
/// var data = vision.Data.LoadImagesFromDirectory("photos", useFolderNameAsLabel: true);
/// var model = vision.Transforms.LoadImages("Image", null, "ImagePath")
///     .Append(vision.Transforms.ApplyBackbone("shvit_s4.onnx", "Image"))
///     .Append(vision.Transforms.ApplyClassificationHead())
///     .Fit(data);
/// </code>
/// A context is thread-safe; create one per application. See Examples/ for runnable programs.
/// </remarks>
public sealed class VisionContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="seed">Seed for operations that use randomness (as MLContext's); every operation so far is
    /// deterministic, so it is only recorded. null = none.</param>
    /// <param name="loggerFactory">Where the pipeline logs (skipped rows, CPU fallback, timings); null = nowhere.</param>
    public VisionContext(int? seed = null, ILoggerFactory? loggerFactory = null)
    {
        Seed = seed;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>The seed given at creation, or null.</summary>
    public int? Seed { get; }

    /// <summary>The logger factory (never null).</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Loading and saving data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Estimators: image loading, resizing, pixel extraction, ONNX scoring, heads.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Prediction engines, saving and loading fitted pipelines.</summary>
    public ModelOperationsCatalog Model { get; }
}

/// <summary>The catalog of estimators (ML.NET's <c>TransformsCatalog</c>); the estimators are added by extension methods.</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(VisionContext context) => Context = context;

    /// <summary>The context the estimators are created in.</summary>
    public VisionContext Context { get; }
}
