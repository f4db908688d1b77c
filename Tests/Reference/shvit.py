"""SHViT reference classifier for numerical parity fixtures.

Paper: Seokju Yun, Youngmin Ro, "SHViT: Single-Head Vision Transformer with Memory Efficient
Macro Design", CVPR 2024, arXiv:2401.16456.
Official code: https://github.com/ysj9909/SHViT (model/shvit.py, model/build.py).

Written for this project from the paper and the official module layout. The attribute names,
the order of submodules, the BatchNorm placement and the epsilons are chosen so that
``state_dict()`` has exactly the keys and shapes of the official release checkpoints
(``torch.load(path)['model']``); Tests/Reference/check_manifests.py proves it against
Tests/Fixtures/manifests/shvit_*.json.

Shape of the network:
  * stem: four 3x3 stride-2 conv+BN layers (total stride 16) with ReLU between them;
  * three stages (``blocks1``..``blocks3``); stages 2 and 3 open with a downsampling unit
    (depthwise-conv residual, FFN residual, PatchMerging with squeeze-excite, again
    depthwise-conv residual and FFN residual); total stride 64;
  * a block is depthwise 3x3 conv residual -> token mixer -> FFN residual. The mixer is
    nothing in stage 1 ("i" blocks) and single-head self-attention in stages 2-3 ("s" blocks);
  * head: global average pool, BatchNorm1d, Linear (the BN is part of the head, "BN_Linear").

Single-head self-attention (SHSA) works on a partial channel split: only the first ``pdim``
channels are normalised (GroupNorm with one group, eps 1e-5), projected to q/k (``qk_dim`` each)
and v (``pdim``), attended with one head and scale ``qk_dim ** -0.5``; the remaining channels
pass untouched. Both parts are concatenated, passed through ReLU and a 1x1 conv+BN.
All BatchNorm layers use PyTorch's default eps 1e-5.
"""
from typing import Dict, List, Sequence

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ['SHViT', 'VARIANTS', 'build']


def _round_to_multiple(value: float, divisor: int = 8) -> int:
    """Channel rounding used for the squeeze-excite bottleneck (nearest multiple, at least ``divisor``)."""
    return max(divisor, int(value + divisor / 2) // divisor * divisor)


class ConvNorm(nn.Sequential):
    """Bias-free convolution followed by BatchNorm2d; children are named ``c`` and ``bn``."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 1, stride: int = 1, padding: int = 0,
                 groups: int = 1):
        super().__init__()
        self.add_module('c', nn.Conv2d(in_ch, out_ch, kernel, stride, padding, groups=groups, bias=False))
        self.add_module('bn', nn.BatchNorm2d(out_ch))


class NormLinear(nn.Sequential):
    """BatchNorm1d then Linear; the classifier of SHViT (children ``bn`` and ``l``)."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.add_module('bn', nn.BatchNorm1d(in_features))
        self.add_module('l', nn.Linear(in_features, out_features))


class Residual(nn.Module):
    """``x + m(x)``; the wrapped module is called ``m``."""

    def __init__(self, m: nn.Module):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.m(x)


class SqueezeExcite(nn.Module):
    """Channel gate: mean pool, 1x1 conv (with bias), ReLU, 1x1 conv, sigmoid, multiply."""

    def __init__(self, channels: int, ratio: float = 0.25):
        super().__init__()
        hidden = _round_to_multiple(channels * ratio)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(gate)


class FFN(nn.Module):
    """Pointwise expand (x2), ReLU, pointwise project, both as conv+BN."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.pw1 = ConvNorm(dim, hidden)
        self.pw2 = ConvNorm(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw2(F.relu(self.pw1(x)))


class PatchMerging(nn.Module):
    """Stride-2 downsampling: 1x1 expand (x4), ReLU, 3x3 depthwise stride 2, ReLU, SE, 1x1 project."""

    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        hidden = dim * 4
        self.conv1 = ConvNorm(dim, hidden)
        self.conv2 = ConvNorm(hidden, hidden, 3, 2, 1, groups=hidden)
        self.se = SqueezeExcite(hidden, 0.25)
        self.conv3 = ConvNorm(hidden, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.conv3(self.se(x))


class SHSA(nn.Module):
    """Single-head self-attention over the first ``pdim`` channels; the rest bypass it."""

    def __init__(self, dim: int, qk_dim: int, pdim: int):
        super().__init__()
        self.dim, self.qk_dim, self.pdim = dim, qk_dim, pdim
        self.scale = qk_dim ** -0.5
        self.pre_norm = nn.GroupNorm(1, pdim)
        self.qkv = ConvNorm(pdim, 2 * qk_dim + pdim)
        # Index 0 is the (parameter-free) ReLU; keeping it inside the Sequential keeps the
        # projection's parameters at ``proj.1.*`` as in the official checkpoints.
        self.proj = nn.Sequential(nn.ReLU(), ConvNorm(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        attended, bypass = x[:, :self.pdim], x[:, self.pdim:]
        q, k, v = self.qkv(self.pre_norm(attended)).flatten(2).split(
            [self.qk_dim, self.qk_dim, self.pdim], dim=1)
        # weights[b, i, j]: query token i against key token j.
        weights = torch.softmax(q.transpose(1, 2) @ k * self.scale, dim=-1)
        attended = (v @ weights.transpose(1, 2)).reshape(b, self.pdim, h, w)
        return self.proj(torch.cat([attended, bypass], dim=1))


class BasicBlock(nn.Module):
    """Depthwise 3x3 conv residual, token mixer (SHSA residual or nothing), FFN residual."""

    def __init__(self, dim: int, qk_dim: int, pdim: int, kind: str):
        super().__init__()
        self.conv = Residual(ConvNorm(dim, dim, 3, 1, 1, groups=dim))
        self.mixer = Residual(SHSA(dim, qk_dim, pdim)) if kind == 's' else nn.Identity()
        self.ffn = Residual(FFN(dim, dim * 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ffn(self.mixer(self.conv(x)))


def _local_unit(dim: int) -> nn.Sequential:
    """Depthwise-conv residual followed by an FFN residual (used around PatchMerging)."""
    return nn.Sequential(Residual(ConvNorm(dim, dim, 3, 1, 1, groups=dim)), Residual(FFN(dim, dim * 2)))


class SHViT(nn.Module):
    """SHViT image classifier; ``forward_stages`` also returns the named stage outputs."""

    def __init__(self, embed_dim: Sequence[int], depth: Sequence[int], partial_dim: Sequence[int],
                 types: Sequence[str], qk_dim: Sequence[int] = (16, 16, 16), in_chans: int = 3,
                 num_classes: int = 1000):
        super().__init__()
        e0 = embed_dim[0]
        self.patch_embed = nn.Sequential(
            ConvNorm(in_chans, e0 // 8, 3, 2, 1), nn.ReLU(),
            ConvNorm(e0 // 8, e0 // 4, 3, 2, 1), nn.ReLU(),
            ConvNorm(e0 // 4, e0 // 2, 3, 2, 1), nn.ReLU(),
            ConvNorm(e0 // 2, e0, 3, 2, 1))
        stages: List[List[nn.Module]] = [[], [], []]
        for i in range(3):
            if i > 0:
                stages[i] += [_local_unit(embed_dim[i - 1]), PatchMerging(embed_dim[i - 1], embed_dim[i]),
                              _local_unit(embed_dim[i])]
            stages[i] += [BasicBlock(embed_dim[i], qk_dim[i], partial_dim[i], types[i]) for _ in range(depth[i])]
        self.blocks1 = nn.Sequential(*stages[0])
        self.blocks2 = nn.Sequential(*stages[1])
        self.blocks3 = nn.Sequential(*stages[2])
        self.head = NormLinear(embed_dim[-1], num_classes)

    def forward_stages(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Returns ``stem``, ``stage1``..``stage3``, ``pooled`` and ``logits``."""
        out: Dict[str, torch.Tensor] = {}
        out['stem'] = x = self.patch_embed(x)
        out['stage1'] = x = self.blocks1(x)
        out['stage2'] = x = self.blocks2(x)
        out['stage3'] = x = self.blocks3(x)
        out['pooled'] = x = x.mean((2, 3))
        out['logits'] = self.head(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_stages(x)['logits']


VARIANTS = {
    # model/build.py of the official repository; qk_dim is 16 in every stage.
    'shvit_s1': dict(embed_dim=(128, 224, 320), depth=(2, 4, 5), partial_dim=(32, 48, 68), types='iss'),
    'shvit_s2': dict(embed_dim=(128, 308, 448), depth=(2, 4, 5), partial_dim=(32, 66, 96), types='iss'),
    'shvit_s3': dict(embed_dim=(192, 352, 448), depth=(3, 5, 5), partial_dim=(48, 75, 96), types='iss'),
    'shvit_s4': dict(embed_dim=(224, 336, 448), depth=(4, 7, 6), partial_dim=(48, 72, 96), types='iss'),
    # Reduced width for small committed fixtures (same code paths: 'i' stage, SHSA, SE, PatchMerging).
    'shvit_tiny': dict(embed_dim=(16, 32, 48), depth=(1, 2, 1), partial_dim=(8, 8, 12), types='iss',
                       qk_dim=(8, 8, 8)),
}


def build(variant: str, num_classes: int = 1000) -> SHViT:
    """Builds a named variant (see ``VARIANTS``)."""
    return SHViT(num_classes=num_classes, **VARIANTS[variant])
