"""Writes the reference for pixel normalization: torchvision's to-tensor + normalize.

Run with Debian's interpreter: /usr/bin/python3 Tests/Reference/make_tensor_fixtures.py
Output (Tests/Fixtures/tensors/): normalize_input.u8 (H x W x 3 bytes, seeded), normalize_imagenet.f32
(3 x H x W float32, little-endian) for ImageNet mean/std, normalize_custom_bgr.f32 for mean 0.5/std 0.25
with channels reversed, and normalize.json with the shapes and parameters.
"""
import json
import pathlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

OUT = pathlib.Path(__file__).resolve().parent.parent / "Fixtures" / "tensors"
H, W = 7, 13  # odd sizes so no vector path can hide a tail bug


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1234)
    pixels = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    pixels[0, :3] = [[0, 0, 0], [255, 255, 255], [128, 64, 32]]  # the extremes are always present
    image = Image.fromarray(pixels, "RGB")

    imagenet = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    ])(image)
    custom = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25)),
    ])(image).flip(0)  # BGR planes

    (OUT / "normalize_input.u8").write_bytes(pixels.tobytes())
    (OUT / "normalize_imagenet.f32").write_bytes(imagenet.numpy().astype("<f4").tobytes())
    (OUT / "normalize_custom_bgr.f32").write_bytes(custom.numpy().astype("<f4").tobytes())
    (OUT / "normalize.json").write_text(json.dumps({
        "height": H, "width": W,
        "torch": torch.__version__,
        "imagenet": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
        "custom_bgr": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
