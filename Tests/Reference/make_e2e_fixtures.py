#!/usr/bin/python3
"""PyTorch's end-to-end classification of the bundled photos with a generated checkpoint, for the .NET
pipeline's end-to-end parity test (Tests/Estimators.Tests/EndToEndZooTests.cs).

Run with Debian's interpreter (/usr/bin/python3: torch, torchvision, PIL, numpy). Input: a fixture folder
written by make_parity_fixtures.py (checkpoint.pth + meta.json: variant, num_classes, checkpoint key).
For each photo it applies the family's official eval transform with PIL and torchvision

    Resize(resize_size, bicubic) -> CenterCrop(resolution) -> ToTensor -> Normalize(ImageNet mean, std)

with resize_size as the official eval scripts compute it (SHViT, CloFormer: int(256 / 224 * size);
EfficientViT: ceil(size / crop_ratio), crop_ratio 0.95 for B0/B1 and 1.0 otherwise), loads the checkpoint
into a fresh reference module (strict), runs it in eval mode and writes, to --out (JSON):

  {"variant", "resolution", "resize_size", "interpolation", "mean", "std", "checkpoint_sha256",
   "photos": [{"photo", "top5": [class indices, best first], "logits": [their logits],
               "probabilities": [their softmax probabilities, computed in float64]}]}

Ranks are by logit (the same order as the probabilities, without float32 saturation ties).
Deterministic for the same checkpoint and torch version.

Example:
    /usr/bin/python3 Tests/Reference/make_e2e_fixtures.py --fixture /tmp/mlnetattn-parity/shvit_s1_r224_b2 \
        --resolution 224 --out /tmp/shvit_s1_e2e.json
"""
import argparse
import hashlib
import json
import math
import os
import sys

import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402

IMAGES = os.path.join(HERE, '..', 'Fixtures', 'images')
PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hubble_deep_field.jpg', 'rocket.jpg']
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def resize_size(variant: str, size: int) -> int:
    """The shorter side before the centre crop, rounded as the family's official eval script rounds it."""
    if models.family_of(variant) == 'efficientvit':
        crop = 0.95 if variant in ('efficientvit_b0', 'efficientvit_b1') else 1.0
        return math.ceil(size / crop)
    return int(256 / 224 * size)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--fixture', required=True, help='folder written by make_parity_fixtures.py')
    p.add_argument('--resolution', type=int, required=True, help='input side the .NET model was converted at')
    p.add_argument('--images', default=IMAGES)
    p.add_argument('--out', required=True)
    a = p.parse_args()

    meta = json.load(open(os.path.join(a.fixture, 'meta.json')))
    variant = meta['variant']
    checkpoint = os.path.join(a.fixture, meta['checkpoint']['file'])
    torch.set_num_threads(2)
    model = models.build(variant, meta['num_classes'])
    state = torch.load(checkpoint, map_location='cpu')[meta['checkpoint']['key']]
    model.load_state_dict(state, strict=True)
    model.eval()

    resize = resize_size(variant, a.resolution)
    transform = T.Compose([
        T.Resize(resize, interpolation=InterpolationMode.BICUBIC),
        T.CenterCrop(a.resolution),
        T.ToTensor(),
        T.Normalize(MEAN, STD),
    ])
    batch = torch.stack([transform(Image.open(os.path.join(a.images, name)).convert('RGB')) for name in PHOTOS])
    with torch.no_grad():
        logits = model(batch)
    probabilities = torch.softmax(logits.double(), dim=1)
    photos = []
    for i, name in enumerate(PHOTOS):
        top = torch.argsort(logits[i], descending=True)[:5]
        photos.append({'photo': name, 'top5': [int(k) for k in top],
                       'logits': [float(logits[i, k]) for k in top],
                       'probabilities': [float(probabilities[i, k]) for k in top]})
    with open(checkpoint, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    result = {'variant': variant, 'resolution': a.resolution, 'resize_size': resize, 'interpolation': 'bicubic',
              'mean': MEAN, 'std': STD, 'checkpoint_sha256': sha, 'torch': torch.__version__, 'photos': photos}
    tmp = a.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    os.replace(tmp, a.out)
    for ph in photos:
        print(f"{variant} {ph['photo']:22} top5 {ph['top5']} p {['%.4f' % x for x in ph['probabilities']]}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
