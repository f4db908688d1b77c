namespace MLNetAttn.Estimators;

/// <summary>
/// A not-yet-fitted step of a pipeline (ML.NET's <c>IEstimator&lt;TTransformer&gt;</c>). <see cref="Fit"/> checks
/// the input schema first, failing early with the column and the type it expected, then returns the transformer.
/// The estimators of this library learn nothing from the data (they are "trivial" in ML.NET's terms), so
/// Fit never reads a row.
/// </summary>
/// <typeparam name="TTransformer">The transformer Fit returns.</typeparam>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Validates the input schema and returns the fitted transformer.</summary>
    /// <param name="input">The data (only its schema is read).</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type (ML.NET's messages).</exception>
    TTransformer Fit(IDataView input);

    /// <summary>The schema the transformer will produce from <paramref name="inputSchema"/>, checking it the way Fit does.</summary>
    /// <remarks>
    /// ML.NET passes a <c>SchemaShape</c> here because some of its estimators learn types from data; every type is
    /// known up front in this library, so schemas are exact throughout.
    /// </remarks>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);
}

/// <summary>A fitted step (ML.NET's <c>ITransformer</c>): a lazy mapping from one data view to another.</summary>
public interface ITransformer
{
    /// <summary>True: every transformer here maps rows one to one (errors aside), so prediction engines work.</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>The schema <see cref="Transform"/> produces from <paramref name="inputSchema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Applies the transformer, lazily: nothing runs until the result is read.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
    IDataView Transform(IDataView input);
}
