namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>Choices made when reading a checkpoint; the defaults suit released classification weights.</summary>
/// <remarks>
/// <para>Which dict holds the weights. Training checkpoints wrap the state dict; the reader looks, in order, at:</para>
/// <list type="number">
/// <item><see cref="Entry"/>, when set (an error if absent);</item>
/// <item><c>model</c>, <c>state_dict</c>, <c>model_state_dict</c>, <c>net</c>;</item>
/// <item><c>model_ema</c>, <c>state_dict_ema</c>, <c>ema</c> (tried before the plain keys with <see cref="PreferEma"/>);</item>
/// <item>the top-level dict itself, when it holds tensors (a bare state dict).</item>
/// </list>
/// <para>A candidate is taken only if it is a dict holding at least one tensor. Default = plain weights first, as
/// released checkpoints report the accuracy of <c>model</c>/<c>state_dict</c>; EMA weights are taken when they are the
/// only ones, or when asked for.</para>
/// </remarks>
public sealed record CheckpointReadOptions
{
    /// <summary>Shared default options.</summary>
    public static CheckpointReadOptions Default { get; } = new();

    /// <summary>A top-level key to take the state dict from, overriding the search order. Default = null.</summary>
    public string? Entry { get; init; }

    /// <summary>Look for exponential-moving-average weights before the plain ones. Default = false.</summary>
    public bool PreferEma { get; init; }

    /// <summary>Remove a leading <c>module.</c> (left by DataParallel/DistributedDataParallel) from names. Default = true.</summary>
    public bool StripModulePrefix { get; init; } = true;
}
