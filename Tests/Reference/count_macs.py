"""Counts multiply-accumulates of a reference variant for one image (conv, linear and matmul only).

Norms, activations, pooling and elementwise products are not counted, which is the usual convention
of the papers' and timm's GMAC figures.

    /usr/bin/python3 Tests/Reference/count_macs.py shvit_s1 efficientvit_b1:256 cloformer_xs
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


class MacCounter(TorchFunctionMode):
    """Adds up MACs of conv2d, linear and matmul calls made while active."""

    def __init__(self):
        super().__init__()
        self.macs = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func is F.conv2d:
            w = args[1]
            self.macs += out.numel() * (w.shape[1] * w.shape[2] * w.shape[3])
        elif func is F.linear:
            self.macs += out.numel() * args[1].shape[1]
        elif func in (torch.matmul, torch.Tensor.__matmul__, torch.bmm):
            self.macs += out.numel() * args[0].shape[-1]
        return out


def count(variant: str, resolution: int) -> int:
    """MACs of one forward pass on a single ``resolution`` x ``resolution`` image."""
    model = models.build(variant).eval()
    counter = MacCounter()
    with torch.no_grad(), counter:
        model(torch.zeros(1, 3, resolution, resolution))
    return counter.macs


def main(argv) -> int:
    for arg in argv or models.official_variants():
        name, _, res = arg.partition(':')
        res = int(res) if res else (256 if name == 'shvit_s4' else 224)
        macs = count(name, res)
        print(f'{name:16} {res:4}  {macs / 1e9:.3f} GMACs')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
