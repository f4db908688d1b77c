"""Exports a reference module with torch.onnx.export, for the graph-quality comparison.

Run with Debian's interpreter:
    /usr/bin/python3 Benchmarks/torch_export.py --variant shvit_s4 --checkpoint CKPT --resolution 256 --out model.onnx

The module is Tests/Reference's (state_dict identical to the official one), loaded from the same
checkpoint MLNetAttn converts, in eval mode; the export uses opset 17, a dynamic batch axis, input
"input" and output "logits", like MLNetAttn's own graphs, so the two files differ only in how the
graph was written.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Tests', 'Reference'))
import models  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--variant', required=True)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--resolution', type=int, required=True)
    p.add_argument('--out', required=True)
    a = p.parse_args()

    saved = torch.load(a.checkpoint, map_location='cpu')
    state = saved.get('model', saved.get('state_dict', saved))
    num_classes = next(v.shape[0] for k, v in state.items() if k in ('head.l.weight', 'head.op_list.3.linear.weight', 'head.weight'))
    model = models.build(a.variant, num_classes)
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.randn(1, 3, a.resolution, a.resolution)
    torch.onnx.export(model, x, a.out, opset_version=17, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    print(a.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
