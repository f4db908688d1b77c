"""Trains the digits example model: a reduced-width SHViT on scikit-learn's handwritten digits.

Run from the repository root with Debian's interpreter (python3-torch, python3-sklearn, python3-pil):

    /usr/bin/python3 Examples/Digits/train_digits.py

Writes, into Examples/Digits/:
  model/digits_shvit.pth       the checkpoint, in SHViT's official layout ({'model': state_dict})
  model/digits_shvit.json      its configuration, preprocessing, accuracy and per-image predictions
  images/{train,test}/<label>/<n>.png   the digits as 64x64 RGB PNG files (only test/ is committed)

The 8x8 digit scans (values 0..16) are scaled to 0..255 and enlarged 8x with nearest neighbour, so every
PNG holds exactly the pixels the network was trained on. Training reads the PNG files back through PIL
with the same eval transform the .NET pipeline applies (decode, to-tensor, ImageNet normalization), so the
accuracy measured here is the accuracy the .NET example must reproduce, image by image.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from sklearn.datasets import load_digits
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'Tests', 'Reference'))
import shvit  # noqa: E402

SIZE = 64
CONFIG = dict(embed_dim=(16, 32, 48), depth=(1, 2, 1), partial_dim=(8, 8, 12), types='iss', qk_dim=(8, 8, 8))
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
SEED = 0
EPOCHS = 40


def render(digits, indices, split):
    """Writes the PNGs of one split and returns (relative path, label) pairs."""
    rows = []
    for n in indices:
        label = int(digits.target[n])
        pixels = np.round(digits.images[n] * (255.0 / 16.0)).astype(np.uint8)
        big = np.kron(pixels, np.ones((SIZE // 8, SIZE // 8), dtype=np.uint8))
        rel = os.path.join('images', split, str(label), f'{n:04d}.png')
        os.makedirs(os.path.join(HERE, os.path.dirname(rel)), exist_ok=True)
        Image.fromarray(np.stack([big] * 3, axis=-1), 'RGB').save(os.path.join(HERE, rel), optimize=True)
        rows.append((rel, label))
    return rows


def load(rows, transform):
    x = torch.stack([transform(Image.open(os.path.join(HERE, rel)).convert('RGB')) for rel, _ in rows])
    y = torch.tensor([label for _, label in rows])
    return x, y


def main() -> int:
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    digits = load_digits()
    order = np.random.default_rng(SEED).permutation(len(digits.target))
    test_idx, train_idx = sorted(order[:360]), sorted(order[360:])
    train_rows, test_rows = render(digits, train_idx, 'train'), render(digits, test_idx, 'test')

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    x_train, y_train = load(train_rows, transform)
    x_test, y_test = load(test_rows, transform)

    model = shvit.SHViT(num_classes=10, **CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=EPOCHS * ((len(y_train) + 63) // 64))
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        for batch in torch.randperm(len(y_train), generator=generator).split(64):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(x_test), dim=1)
    predicted = probabilities.argmax(1)
    accuracy = (predicted == y_test).float().mean().item()

    os.makedirs(os.path.join(HERE, 'model'), exist_ok=True)
    torch.save({'model': model.state_dict()}, os.path.join(HERE, 'model', 'digits_shvit.pth'))
    with open(os.path.join(HERE, 'model', 'digits_shvit.json'), 'w') as f:
        json.dump({
            'architecture': 'shvit', 'config': {k: list(v) if isinstance(v, tuple) else v for k, v in CONFIG.items()},
            'num_classes': 10, 'labels': [str(i) for i in range(10)],
            'resolution': SIZE, 'resize_size': SIZE, 'crop_pct': 1.0, 'interpolation': 'bicubic',
            'mean': MEAN, 'std': STD,
            'data': 'scikit-learn load_digits (UCI optical recognition of handwritten digits), 360 test images, seed 0',
            'epochs': EPOCHS, 'torch': torch.__version__,
            'test_accuracy': round(accuracy, 6),
            'predictions': [{'path': rel.replace(os.sep, '/'), 'label': label, 'predicted': int(p), 'score': round(float(s), 6)}
                            for (rel, label), p, s in zip(test_rows, predicted, probabilities.max(1).values)],
        }, f, indent=1)
        f.write('\n')
    print(f'test accuracy {accuracy:.4f} on {len(y_test)} images')
    return 0


if __name__ == '__main__':
    sys.exit(main())
