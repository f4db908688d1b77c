namespace MLNetAttn.Estimators;

/// <summary>
/// A worker-stage mapper whose rows are independent of each other (decode, resize, pixel extraction). A stream runs
/// each row through a whole run of such mappers on one thread, one row after another, instead of letting each mapper
/// sweep the batch: the photo a worker has just decoded is resized while it is still in that core's cache, and the
/// batch pays one hand-over between threads instead of one per mapper.
/// </summary>
internal interface IRowMapper : IBatchMapper
{
    /// <summary>
    /// Starts a batch (the batch already has <see cref="IBatchMapper.OutputSchema"/>): puts this mapper's output column
    /// in place, empty, so that the next mapper can bind to it, and returns the per-batch state that maps the rows.
    /// </summary>
    RowMapping Begin(DataBatch batch);
}

/// <summary>One mapper's work on one batch, row by row (see <see cref="IRowMapper"/>).</summary>
internal abstract class RowMapping
{
    /// <summary>Fills row <paramref name="row"/> of the output; called once per row, for different rows at once.</summary>
    public abstract void MapRow(int row);

    /// <summary>
    /// Called once after every row was mapped (or the mapping was abandoned): releases what <see cref="IRowMapper.Begin"/>
    /// took over and settles rows that failed, which may remove rows from the batch.
    /// </summary>
    public virtual void Finish() { }
}

/// <summary>Runs row mappers over a batch: one of them (what its <see cref="IBatchMapper.Map"/> does), or several fused.</summary>
internal static class RowMappers
{
    /// <summary>
    /// Maps <paramref name="batch"/> through <paramref name="mappers"/> in order, each row through all of them on one
    /// thread. Every mapping that began is finished, in order, even when one fails; the first failure is rethrown.
    /// </summary>
    public static void Map(DataBatch batch, ReadOnlySpan<IRowMapper> mappers, MapContext context)
    {
        var mappings = new RowMapping[mappers.Length];
        var began = 0;
        Exception? failure = null;
        try
        {
            for (; began < mappers.Length; began++)
            {
                batch.Extend(mappers[began].OutputSchema);
                mappings[began] = mappers[began].Begin(batch);
            }
            Parallel.For(0, batch.RowCount, context.Parallel, row =>
            {
                foreach (var mapping in mappings)
                    mapping.MapRow(row);
            });
        }
        catch (Exception e)
        {
            failure = e;
        }
        for (var i = 0; i < began; i++)
        {
            try
            {
                mappings[i].Finish();
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}
