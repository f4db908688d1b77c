"""EfficientViT (MIT, multi-scale linear attention) reference classifiers for parity fixtures.

Paper: Han Cai, Junyan Li, Muyan Hu, Chuang Gan, Song Han, "EfficientViT: Lightweight Multi-Scale
Attention for High-Resolution Dense Prediction", ICCV 2023, arXiv:2205.14756.
Official code: https://github.com/mit-han-lab/efficientvit
(efficientvit/models/efficientvit/backbone.py, cls.py; efficientvit/models/nn/ops.py, norm.py, act.py;
efficientvit/cls_model_zoo.py).

Written for this project from the paper and the official module layout, so that ``state_dict()`` has
exactly the keys and shapes of the official ``efficientvit_cls_*`` models (checked by
Tests/Reference/check_manifests.py against Tests/Fixtures/manifests/efficientvit_*.json).
Both the B series (Hardswish, BN eps 1e-5) and the L series (tanh-approximated GELU, every norm's
eps set to 1e-7 by the official model zoo) are covered.

Layout facts that matter for conversion:
  * every conv unit is ``ConvLayer``: ``conv`` (+ ``norm`` BatchNorm2d, + activation), "same" padding
    ``k // 2``; units without a norm carry a conv bias instead ("fewer_norm");
  * all containers are ``OpSequential`` with the children in ``op_list``; residual units are
    ``ResidualBlock`` with the branch in ``main`` (a stride-2 block has no shortcut);
  * LiteMLA: 1x1 qkv conv, then per scale a depthwise ``s x s`` conv and a grouped 1x1 conv
    (groups = 3 * heads) on the qkv tensor; the concatenation is split per head into q, k, v of
    ``dim`` channels each (head-major, q/k/v inside a head); ReLU kernel on q and k; v gets an extra
    row of ones so one matmul yields both numerator and denominator:
    ``out = (pad(v, ones) @ k^T) @ q``, then ``out[:-1] / (out[-1] + 1e-15)``, computed in float32.
    When ``H * W <= dim`` the official code switches to the quadratic form
    ``v @ (k^T q / (sum_k(k^T q) + 1e-15))``, which is mathematically the same;
  * head: 1x1 ConvLayer (BN + act), global average pool, Linear without bias + LayerNorm + act,
    Linear with bias (``head.op_list.{0,2,3}``).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ['EfficientViTCls', 'VARIANTS', 'build']


def _act(name: Optional[str]) -> Optional[nn.Module]:
    if name is None:
        return None
    if name == 'hswish':
        return nn.Hardswish()
    if name == 'gelu':
        return nn.GELU(approximate='tanh')
    if name == 'relu':
        return nn.ReLU()
    raise ValueError(name)


class ConvLayer(nn.Module):
    """Conv (``conv``), optional BatchNorm2d (``norm``) and optional activation."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1, groups: int = 1,
                 bias: bool = False, norm: bool = True, act: Optional[str] = None, eps: float = 1e-5):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride, kernel // 2, groups=groups, bias=bias)
        self.norm = nn.BatchNorm2d(out_ch, eps=eps) if norm else None
        self.act = _act(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return x if self.act is None else self.act(x)


class LinearLayer(nn.Module):
    """Flatten, Linear (``linear``), optional LayerNorm (``norm``), optional activation."""

    def __init__(self, in_f: int, out_f: int, bias: bool, norm: bool = False, act: Optional[str] = None,
                 eps: float = 1e-5):
        super().__init__()
        self.linear = nn.Linear(in_f, out_f, bias)
        self.norm = nn.LayerNorm(out_f, eps=eps) if norm else None
        self.act = _act(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(torch.flatten(x, 1))
        if self.norm is not None:
            x = self.norm(x)
        return x if self.act is None else self.act(x)


class OpSequential(nn.Module):
    """Runs ``op_list`` in order (the official container; its children live under ``op_list``)."""

    def __init__(self, ops: Sequence[nn.Module]):
        super().__init__()
        self.op_list = nn.ModuleList(ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for op in self.op_list:
            x = op(x)
        return x


class ResidualBlock(nn.Module):
    """``main(x) + x`` when ``shortcut`` is set, else ``main(x)`` (stride-2 blocks)."""

    def __init__(self, main: nn.Module, shortcut: bool):
        super().__init__()
        self.main = main
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + x if self.shortcut else self.main(x)


def _triple(value, n: int) -> Tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class DSConv(nn.Module):
    """Depthwise 3x3 (``depth_conv``) then pointwise (``point_conv``)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, act: str, fewer_norm: bool, eps: float):
        super().__init__()
        self.depth_conv = ConvLayer(in_ch, in_ch, 3, stride, groups=in_ch, bias=fewer_norm, norm=not fewer_norm,
                                    act=act, eps=eps)
        self.point_conv = ConvLayer(in_ch, out_ch, 1, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.point_conv(self.depth_conv(x))


class MBConv(nn.Module):
    """Inverted bottleneck: 1x1 expand, 3x3 depthwise (carries the stride), 1x1 project (BN, no act)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, expand: float, act: str, fewer_norm: bool,
                 eps: float):
        super().__init__()
        mid = round(in_ch * expand)
        self.inverted_conv = ConvLayer(in_ch, mid, 1, bias=fewer_norm, norm=not fewer_norm, act=act, eps=eps)
        self.depth_conv = ConvLayer(mid, mid, 3, stride, groups=mid, bias=fewer_norm, norm=not fewer_norm,
                                    act=act, eps=eps)
        self.point_conv = ConvLayer(mid, out_ch, 1, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.point_conv(self.depth_conv(self.inverted_conv(x)))


class FusedMBConv(nn.Module):
    """Full 3x3 expand (``spatial_conv``, carries the stride) then 1x1 project (L series)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, expand: float, act: str, fewer_norm: bool,
                 eps: float):
        super().__init__()
        mid = round(in_ch * expand)
        self.spatial_conv = ConvLayer(in_ch, mid, 3, stride, bias=fewer_norm, norm=not fewer_norm, act=act,
                                      eps=eps)
        self.point_conv = ConvLayer(mid, out_ch, 1, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.point_conv(self.spatial_conv(x))


class ResBlock(nn.Module):
    """Two 3x3 convs (``conv1`` with act, ``conv2`` without), the L-series stem block."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, act: str, fewer_norm: bool, eps: float):
        super().__init__()
        self.conv1 = ConvLayer(in_ch, in_ch, 3, stride, bias=fewer_norm, norm=not fewer_norm, act=act, eps=eps)
        self.conv2 = ConvLayer(in_ch, out_ch, 3, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class LiteMLA(nn.Module):
    """Lightweight multi-scale ReLU linear attention (one 5x5 aggregation scale by default)."""

    eps = 1.0e-15

    def __init__(self, channels: int, dim: int, scales: Sequence[int] = (5,), eps: float = 1e-5):
        super().__init__()
        heads = channels // dim
        total = heads * dim
        self.dim = dim
        self.qkv = ConvLayer(channels, 3 * total, 1, norm=False, eps=eps)
        self.aggreg = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(3 * total, 3 * total, s, padding=s // 2, groups=3 * total, bias=False),
                nn.Conv2d(3 * total, 3 * total, 1, groups=3 * heads, bias=False))
            for s in scales])
        self.proj = ConvLayer(total * (1 + len(scales)), channels, 1, eps=eps)

    def _attend(self, qkv: torch.Tensor) -> torch.Tensor:
        b, _, h, w = qkv.shape
        qkv = qkv.float().reshape(b, -1, 3 * self.dim, h * w)   # (batch, heads, 3*dim, tokens)
        q = F.relu(qkv[:, :, :self.dim])
        k = F.relu(qkv[:, :, self.dim:2 * self.dim])
        v = qkv[:, :, 2 * self.dim:]
        if h * w > self.dim:
            # A row of ones under v makes the last output row the normaliser sum_j k_j . q_i.
            v1 = F.pad(v, (0, 0, 0, 1), value=1.0)
            out = (v1 @ k.transpose(-1, -2)) @ q
            out = out[:, :, :-1] / (out[:, :, -1:] + self.eps)
        else:
            scores = k.transpose(-1, -2) @ q
            out = v @ (scores / (scores.sum(dim=2, keepdim=True) + self.eps))
        return out.reshape(b, -1, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv = self.qkv(x)
        qkv = torch.cat([qkv] + [op(qkv) for op in self.aggreg], dim=1)
        return self.proj(self._attend(qkv).to(qkv.dtype))


class EfficientViTBlock(nn.Module):
    """LiteMLA residual (``context_module``) then MBConv residual (``local_module``)."""

    def __init__(self, channels: int, dim: int, expand: float, act: str, scales: Sequence[int], eps: float):
        super().__init__()
        self.context_module = ResidualBlock(LiteMLA(channels, dim, scales, eps), True)
        self.local_module = ResidualBlock(MBConv(channels, channels, 1, expand, act, True, eps), True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.local_module(self.context_module(x))


class BackboneB(nn.Module):
    """B-series backbone: ``input_stem`` (stride 2 + DSConv residuals) and four ``stages``."""

    def __init__(self, widths: Sequence[int], depths: Sequence[int], dim: int, act: str = 'hswish',
                 eps: float = 1e-5, expand: float = 4):
        super().__init__()
        stem: List[nn.Module] = [ConvLayer(3, widths[0], 3, 2, act=act, eps=eps)]
        stem += [ResidualBlock(DSConv(widths[0], widths[0], 1, act, False, eps), True) for _ in range(depths[0])]
        self.input_stem = OpSequential(stem)
        stages: List[nn.Module] = []
        c = widths[0]
        for w, d in zip(widths[1:3], depths[1:3]):
            blocks = []
            for i in range(d):
                blocks.append(ResidualBlock(MBConv(c, w, 2 if i == 0 else 1, expand, act, False, eps), i != 0))
                c = w
            stages.append(OpSequential(blocks))
        for w, d in zip(widths[3:], depths[3:]):
            blocks = [ResidualBlock(MBConv(c, w, 2, expand, act, True, eps), False)]
            c = w
            blocks += [EfficientViTBlock(c, dim, expand, act, (5,), eps) for _ in range(d)]
            stages.append(OpSequential(blocks))
        self.stages = nn.ModuleList(stages)

    def forward_stages(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        out = {'stage0': self.input_stem(x)}
        x = out['stage0']
        for i, stage in enumerate(self.stages, 1):
            out[f'stage{i}'] = x = stage(x)
        return out


class BackboneL(nn.Module):
    """L-series backbone: five ``stages`` (res, fmb, fmb, mb, att), GELU, qkv dim 32."""

    def __init__(self, widths: Sequence[int], depths: Sequence[int], act: str = 'gelu', eps: float = 1e-7,
                 dim: int = 32):
        super().__init__()
        kinds = ('res', 'fmb', 'fmb', 'mb', 'att')
        expands = (1, 4, 4, 4, 6)
        fewer = (False, False, False, True, True)

        def local(kind, cin, cout, stride, expand, few):
            if kind == 'res':
                return ResBlock(cin, cout, stride, act, few, eps)
            if kind == 'fmb':
                return FusedMBConv(cin, cout, stride, expand, act, few, eps)
            return MBConv(cin, cout, stride, expand, act, few, eps)

        stage0: List[nn.Module] = [ConvLayer(3, widths[0], 3, 2, act=act, eps=eps)]
        stage0 += [ResidualBlock(local('res', widths[0], widths[0], 1, 1, False), True) for _ in range(depths[0])]
        stages: List[nn.Module] = [OpSequential(stage0)]
        c = widths[0]
        for s in range(1, 5):
            down_kind = kinds[s] if kinds[s] in ('mb', 'fmb') else 'mb'
            blocks = [ResidualBlock(local(down_kind, c, widths[s], 2, expands[s] * 4, fewer[s]), False)]
            c = widths[s]
            for _ in range(depths[s]):
                if kinds[s] == 'att':
                    blocks.append(EfficientViTBlock(c, dim, expands[s], act, (5,), eps))
                else:
                    blocks.append(ResidualBlock(local(kinds[s], c, c, 1, expands[s], fewer[s]), True))
            stages.append(OpSequential(blocks))
        self.stages = nn.ModuleList(stages)

    def forward_stages(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        out = {}
        for i, stage in enumerate(self.stages):
            out[f'stage{i}'] = x = stage(x)
        return out


class ClsHead(OpSequential):
    """1x1 ConvLayer, global average pool, Linear+LayerNorm+act, Linear (``op_list.0..3``)."""

    def __init__(self, in_ch: int, widths: Sequence[int], num_classes: int, act: str, eps: float):
        super().__init__([
            ConvLayer(in_ch, widths[0], 1, act=act, eps=eps),
            nn.AdaptiveAvgPool2d(1),
            LinearLayer(widths[0], widths[1], False, norm=True, act=act, eps=eps),
            LinearLayer(widths[1], num_classes, True)])


class EfficientViTCls(nn.Module):
    """Backbone + classification head; ``forward_stages`` returns named stage outputs and logits."""

    def __init__(self, backbone: nn.Module, head: ClsHead):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward_stages(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Returns ``stage0``..``stage4``, ``pooled`` (head conv output averaged) and ``logits``."""
        out = self.backbone.forward_stages(x)
        x = list(out.values())[-1]
        ops = self.head.op_list
        out['pooled'] = x = ops[1](ops[0](x)).flatten(1)
        out['logits'] = ops[3](ops[2](x))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_stages(x)['logits']


VARIANTS = {
    # backbone.py / cls.py of the official repository.
    'efficientvit_b0': dict(series='b', widths=(8, 16, 32, 64, 128), depths=(1, 2, 2, 2, 2), dim=16,
                            head=(1024, 1280)),
    'efficientvit_b1': dict(series='b', widths=(16, 32, 64, 128, 256), depths=(1, 2, 3, 3, 4), dim=16,
                            head=(1536, 1600)),
    'efficientvit_b2': dict(series='b', widths=(24, 48, 96, 192, 384), depths=(1, 3, 4, 4, 6), dim=32,
                            head=(2304, 2560)),
    'efficientvit_b3': dict(series='b', widths=(32, 64, 128, 256, 512), depths=(1, 4, 6, 6, 9), dim=32,
                            head=(2304, 2560)),
    'efficientvit_l1': dict(series='l', widths=(32, 64, 128, 256, 512), depths=(1, 1, 1, 6, 6), head=(3072, 3200)),
    'efficientvit_l2': dict(series='l', widths=(32, 64, 128, 256, 512), depths=(1, 2, 2, 8, 8), head=(3072, 3200)),
    'efficientvit_l3': dict(series='l', widths=(64, 128, 256, 512, 1024), depths=(1, 2, 2, 8, 8),
                            head=(6144, 6400)),
    # Reduced widths for small committed fixtures (same code paths as B and L respectively).
    'efficientvit_b_tiny': dict(series='b', widths=(8, 16, 16, 32, 32), depths=(1, 1, 1, 1, 2), dim=8,
                                head=(64, 80)),
    'efficientvit_l_tiny': dict(series='l', widths=(8, 8, 16, 16, 32), depths=(1, 1, 1, 1, 1), dim=16,
                                head=(48, 64)),
}


def build(variant: str, num_classes: int = 1000) -> EfficientViTCls:
    """Builds a named variant with the eps the official model zoo sets (B: 1e-5, L: 1e-7)."""
    cfg = dict(VARIANTS[variant])
    series, head = cfg.pop('series'), cfg.pop('head')
    if series == 'b':
        act, eps = 'hswish', 1e-5
        backbone = BackboneB(cfg['widths'], cfg['depths'], cfg['dim'], act, eps)
    else:
        act, eps = 'gelu', 1e-7
        backbone = BackboneL(cfg['widths'], cfg['depths'], act, eps, cfg.get('dim', 32))
    return EfficientViTCls(backbone, ClsHead(cfg['widths'][-1], head, num_classes, act, eps))
