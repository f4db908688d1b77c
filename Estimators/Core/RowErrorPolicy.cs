namespace MLNetAttn.Estimators;

/// <summary>What a transformer does with a row it cannot process (an unreadable or corrupt image).</summary>
public enum RowErrorPolicy
{
    /// <summary>Keep the row: its error column holds the reason, its outputs are empty (null image, zero vector, null label).</summary>
    Mark,
    /// <summary>Drop the row; each one is logged as a warning and counted in <see cref="DataBatch.SkippedRows"/>.</summary>
    Skip,
    /// <summary>Stop: the exception is thrown to whoever reads the data, naming the row and input.</summary>
    Throw,
}

/// <summary>Thrown under <see cref="RowErrorPolicy.Throw"/> when a row cannot be processed.</summary>
public sealed class RowProcessingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RowProcessingException(long row, string message, Exception? inner = null) : base($"Row {row}: {message}", inner) => Row = row;

    /// <summary>The row's index in the source view.</summary>
    public long Row { get; }
}
