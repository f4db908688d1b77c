namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>The container format a <see cref="Checkpoint"/> was read from.</summary>
public enum CheckpointFileFormat
{
    /// <summary>PyTorch's zip format (torch.save since torch 1.6): a pickle plus one entry per storage.</summary>
    PyTorchZip,
    /// <summary>The safetensors format: a JSON header followed by raw tensor bytes.</summary>
    Safetensors,
}
