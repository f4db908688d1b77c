"""Writes uint8-input fixtures: real photos as the eval transform's bytes, and torch's logits of them normalized.

For the converter's uint8 input (ExportOptions.Uint8Input) the C# test feeds these bytes to the graph, which
casts, subtracts mean*255 and has 1/(255*std) folded into its first convolution, and compares with the logits
PyTorch computes from ToTensor() + Normalize(mean, std) of the same bytes, through the reference module.

The network comes from an existing parity fixture folder (made by make_parity_fixtures.py): its meta.json names
the variant and class count, its checkpoint.pth holds the weights. Nothing is copied from it, so a uint8 fixture
is only the bytes and the logits. Into ``<out>/`` this writes:

  pixels.u8     the photos after Resize(resize_size, interpolation) + CenterCrop(resolution) on the PIL image,
                as uint8 NCHW (RGB planes), C order, no header
  logits.f32    torch's logits [N, classes] of the normalized float input, float32 little-endian
  meta.json     parity fixture it used (path relative to the out folder's parent when it is a sibling), photos,
                resize, interpolation, mean, std, shapes, torch version and the command

Examples (the committed fixtures, Tests/Fixtures/uint8/):
    /usr/bin/python3 Tests/Reference/make_uint8_fixtures.py --fixture Tests/Fixtures/parity/shvit_tiny_r96 \
        --image Tests/Fixtures/images/chelsea.png --image Tests/Fixtures/images/rocket.jpg --resize 109 \
        --out Tests/Fixtures/uint8/shvit_tiny_r96
(README.md beside this script lists all three.)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

MODES = {'nearest': InterpolationMode.NEAREST, 'bilinear': InterpolationMode.BILINEAR,
         'bicubic': InterpolationMode.BICUBIC, 'lanczos': InterpolationMode.LANCZOS}
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def load_network(fixture: str):
    """The reference module of a parity fixture with its checkpoint's weights, in eval mode."""
    meta = json.load(open(os.path.join(fixture, 'meta.json')))
    model = models.build(meta['variant'], meta['num_classes'])
    checkpoint = torch.load(os.path.join(fixture, 'checkpoint.pth'), map_location='cpu')
    model.load_state_dict(checkpoint[meta['checkpoint']['key']])
    return model.eval(), meta


def eval_bytes(path: str, resolution: int, resize: int, interpolation: str) -> np.ndarray:
    """torchvision's eval transform of one photo, as CHW uint8."""
    image = Image.open(path).convert('RGB')
    image = T.CenterCrop(resolution)(T.Resize(resize, interpolation=MODES[interpolation])(image))
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8).transpose(2, 0, 1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--fixture', required=True, help='a parity fixture folder (checkpoint.pth + meta.json)')
    p.add_argument('--image', required=True, action='append', help='a photo (repeatable: one per batch item)')
    p.add_argument('--resolution', type=int, default=0, help="crop side (default: the parity fixture's)")
    p.add_argument('--resize', type=int, required=True, help='shorter side before the centre crop')
    p.add_argument('--interpolation', default='bicubic', choices=sorted(MODES))
    p.add_argument('--mean', type=float, nargs=3, default=IMAGENET_MEAN)
    p.add_argument('--std', type=float, nargs=3, default=IMAGENET_STD)
    p.add_argument('--out', required=True, help='output folder')
    a = p.parse_args()

    model, parity = load_network(a.fixture)
    resolution = a.resolution or parity['resolution']
    pixels = np.stack([eval_bytes(i, resolution, a.resize, a.interpolation) for i in a.image])
    # ToTensor() divides by 255 in float32, then Normalize subtracts and divides per channel.
    x = T.Normalize(a.mean, a.std)(torch.from_numpy(pixels).to(torch.float32).div(255))
    with torch.no_grad():
        logits = model(x)

    os.makedirs(a.out, exist_ok=True)
    pixels.tofile(os.path.join(a.out, 'pixels.u8'))
    logits.contiguous().numpy().astype('<f4').tofile(os.path.join(a.out, 'logits.f32'))
    meta = {
        'parity_fixture': os.path.relpath(os.path.abspath(a.fixture), os.path.dirname(os.path.abspath(a.out))),
        'variant': parity['variant'],
        'mirrors': parity['mirrors'],
        'num_classes': parity['num_classes'],
        'resolution': resolution,
        'images': [os.path.basename(i) for i in a.image],
        'resize': a.resize,
        'interpolation': a.interpolation,
        'mean': a.mean,
        'std': a.std,
        'tensors': {
            'pixels': {'file': 'pixels.u8', 'shape': list(pixels.shape), 'dtype': 'uint8'},
            'logits': {'file': 'logits.f32', 'shape': list(logits.shape), 'dtype': 'float32'},
        },
        'torch': torch.__version__,
        'generator': 'Tests/Reference/make_uint8_fixtures.py ' + ' '.join(sys.argv[1:]),
    }
    with open(os.path.join(a.out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    print(f'{a.out}: pixels {list(pixels.shape)}, logits std {logits.std().item():.3f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
