"""Writes numerical parity fixtures: a checkpoint, an input batch and the reference outputs.

For one variant this builds the reference module (Tests/Reference/{shvit,efficientvit,cloformer}.py),
gives it deterministic random weights with non-trivial normalisation layers, and writes into
``<out>/<name>/``:

  checkpoint.pth   torch.save of the state_dict wrapped as the official code stores it
                   (SHViT and CloFormer: {'model': sd}; EfficientViT: {'state_dict': sd})
  input.f32        the input batch, NCHW
  <output>.f32     named outputs (stage feature maps, pooled features, logits)
  meta.json        variant, config, seeds, checkpoint layout and every tensor's file, shape, dtype

Tensors are raw float32 little-endian, C order (row-major), no header; shapes are in meta.json.
See Tests/Reference/README.md for the format and the tolerances the C# side should use.

Weights: convolution and linear weights keep PyTorch's default (seeded) init; every BatchNorm's
running statistics are first measured on a seeded noise batch (so activations stay well scaled
through deep stacks) and then perturbed, and every norm's affine weight and bias is drawn at random,
so a converter that ignores or mis-folds any of them fails the comparison.

Examples:
    /usr/bin/python3 Tests/Reference/make_parity_fixtures.py --variant shvit_s1 --reduced \
        --out Tests/Fixtures/parity
    /usr/bin/python3 Tests/Reference/make_parity_fixtures.py --variant efficientvit_b1 \
        --resolution 224 --batch 2 --out /tmp/parity-full
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

CHECKPOINT_KEY = {'shvit': 'model', 'efficientvit': 'state_dict', 'cloformer': 'model'}
REDUCED = {'shvit': 'shvit_tiny', 'cloformer': 'cloformer_tiny'}
DEFAULT_RESOLUTION = {'shvit': 224, 'efficientvit': 224, 'cloformer': 224}
REDUCED_RESOLUTION = {'shvit': 96, 'efficientvit': 64, 'cloformer': 64}


def reduced_variant(variant: str) -> str:
    """The reduced-width stand-in of a variant (B and L series of EfficientViT have their own)."""
    family = models.family_of(variant)
    if family == 'efficientvit':
        return 'efficientvit_l_tiny' if variant.startswith('efficientvit_l') else 'efficientvit_b_tiny'
    return REDUCED[family]


@torch.no_grad()
def randomize(model: nn.Module, seed: int, calibration_size: int = 64) -> nn.Module:
    """Seeds weights, calibrates then perturbs BN statistics, randomises every norm's affine."""
    torch.manual_seed(seed)
    for m in model.modules():
        if hasattr(m, 'reset_parameters') and not isinstance(m, (nn.modules.batchnorm._BatchNorm,
                                                                 nn.GroupNorm, nn.LayerNorm)):
            m.reset_parameters()
    norms = [m for m in model.modules() if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm,
                                                          nn.LayerNorm))]
    for m in norms:
        m.weight.uniform_(0.5, 1.5)
        m.bias.normal_(0.0, 0.2)
    # Measure realistic running statistics with batch statistics (cumulative average).
    bns = [m for m in norms if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    gen = torch.Generator().manual_seed(seed + 1)
    res = getattr(model, '_calibration_resolution', 64)
    for _ in range(2):
        model(torch.randn(calibration_size // 2, 3, res, res, generator=gen))
    for m in bns:
        m.momentum = 0.1
        # Perturb so the stored statistics are not exactly what any batch would produce.
        m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1 * m.running_var.sqrt())
        m.running_var.mul_(torch.empty(m.running_var.shape).uniform_(0.7, 1.4, generator=gen))
    return model.eval()


def _write(path: str, t: torch.Tensor) -> dict:
    a = t.detach().contiguous().to(torch.float32).numpy().astype('<f4', copy=False)
    a.tofile(path)
    return {'file': os.path.basename(path), 'shape': list(a.shape), 'dtype': 'float32'}


def make(variant: str, out: str, resolution: int = 0, batch: int = 2, seed: int = 0, reduced: bool = False,
         num_classes: int = 0, name: str = '') -> str:
    """Writes one fixture folder and returns its path."""
    family = models.family_of(variant)
    arch = reduced_variant(variant) if reduced else variant
    num_classes = num_classes or (10 if arch.endswith('_tiny') else 1000)
    resolution = resolution or (REDUCED_RESOLUTION[family] if arch.endswith('_tiny') else DEFAULT_RESOLUTION[family])
    name = name or f'{arch}_r{resolution}'
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)

    torch.manual_seed(seed)
    model = models.build(arch, num_classes)
    model._calibration_resolution = resolution
    randomize(model, seed)

    gen = torch.Generator().manual_seed(seed + 2)
    x = torch.randn(batch, 3, resolution, resolution, generator=gen)
    with torch.no_grad():
        outputs = model.forward_stages(x)

    key = CHECKPOINT_KEY[family]
    torch.save({key: model.state_dict()}, os.path.join(folder, 'checkpoint.pth'))
    tensors = {'input': _write(os.path.join(folder, 'input.f32'), x)}
    for k, v in outputs.items():
        tensors[k] = _write(os.path.join(folder, f'{k}.f32'), v)
    cfg = models.FAMILIES[family].VARIANTS[arch]
    meta = {
        'variant': arch,
        'mirrors': variant,
        'family': family,
        'config': {k: (list(v) if isinstance(v, (tuple, list)) else v) for k, v in cfg.items()},
        'num_classes': num_classes,
        'resolution': resolution,
        'batch': batch,
        'seed': seed,
        'torch': torch.__version__,
        'checkpoint': {'file': 'checkpoint.pth', 'format': 'torch.save (zip)', 'key': key,
                       'tensors': len(model.state_dict())},
        'outputs': list(outputs.keys()),
        'tensors': tensors,
        'generator': 'Tests/Reference/make_parity_fixtures.py --variant %s%s --resolution %d --batch %d --seed %d'
                     % (variant, ' --reduced' if reduced else '', resolution, batch, seed),
    }
    with open(os.path.join(folder, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    return folder


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--variant', required=True, action='append',
                   help='variant name (repeatable), e.g. shvit_s1, efficientvit_b1, cloformer_xs, '
                        'or "all" for every official variant')
    p.add_argument('--resolution', type=int, default=0, help='input side (default 224, reduced: 96/64/64)')
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-classes', type=int, default=0, help='default 1000, reduced: 10')
    p.add_argument('--reduced', action='store_true', help='use the family\'s reduced-width stand-in')
    p.add_argument('--out', required=True, help='output folder (one subfolder per fixture)')
    a = p.parse_args()
    variants = models.official_variants() if a.variant == ['all'] else a.variant
    for v in variants:
        folder = make(v, a.out, a.resolution, a.batch, a.seed, a.reduced, a.num_classes)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
        meta = json.load(open(os.path.join(folder, 'meta.json')))
        logits = np.fromfile(os.path.join(folder, 'logits.f32'), '<f4')
        print(f'{folder}: {size / 1024:.0f} KiB, logits std {logits.std():.3f}, outputs {meta["outputs"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
