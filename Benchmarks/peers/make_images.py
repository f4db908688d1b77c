"""Makes the benchmark's photo folder: deterministic crops and rescales of Tests/Fixtures/images, saved as JPEG.

Run with Debian's interpreter:
    /usr/bin/python3 Benchmarks/peers/make_images.py --count 300 --out /tmp/mlnetattn-bench-peers/images

Every image is a crop of one of the five readable fixture photos (a seeded choice of photo, box and size), resized
with PIL's bicubic filter so that both sides lie in 375..640 px (--side-min/--side-max; sides above the fixtures'
up to 1000 px are upscaled, hence smoother than camera photos of that size), and written at JPEG quality 90 (4:2:0),
so the folder is the same on every machine with the same Pillow. A folder already holding the same count is left alone.
"""
import argparse
import os
import random
import sys

from PIL import Image

SOURCES = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'hubble_deep_field.jpg']


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--count', type=int, default=300)
    p.add_argument('--out', required=True)
    p.add_argument('--seed', type=int, default=20251122)
    p.add_argument('--side-min', type=int, default=375)
    p.add_argument('--side-max', type=int, default=640)
    a = p.parse_args()

    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Tests', 'Fixtures', 'images')
    os.makedirs(a.out, exist_ok=True)
    existing = sorted(f for f in os.listdir(a.out) if f.endswith('.jpg'))
    if len(existing) == a.count:
        print(f'{a.out}: {a.count} images (kept)')
        return 0
    for f in existing:
        os.remove(os.path.join(a.out, f))

    photos = [Image.open(os.path.join(fixtures, s)).convert('RGB') for s in SOURCES]
    rng = random.Random(a.seed)
    for i in range(a.count):
        photo = photos[i % len(photos)]
        w, h = photo.size
        # A box covering 45..100 % of each side, so that the scenes (and their JPEG cost) vary.
        cw = max(16, int(w * rng.uniform(0.45, 1.0)))
        ch = max(16, int(h * rng.uniform(0.45, 1.0)))
        x = rng.randint(0, w - cw)
        y = rng.randint(0, h - ch)
        crop = photo.crop((x, y, x + cw, y + ch))
        # Target sides inside side-min..side-max with the crop's aspect ratio clamped into that range.
        long_side = rng.randint(min(a.side_min + 40, a.side_max), a.side_max)
        aspect = max(cw, ch) / min(cw, ch)
        short_side = max(a.side_min, min(long_side, int(round(long_side / aspect))))
        size = (long_side, short_side) if cw >= ch else (short_side, long_side)
        crop.resize(size, Image.BICUBIC).save(os.path.join(a.out, f'img_{i:04d}.jpg'), quality=90)
    print(f'{a.out}: {a.count} images')
    return 0


if __name__ == '__main__':
    sys.exit(main())
