#!/usr/bin/python3
"""Writes the pipeline fixtures into Tests/Fixtures/pipeline/ (run with Debian's /usr/bin/python3: torch,
torchvision, PIL, numpy).

What it writes, and what the C# tests (Tests/Estimators.Tests) compare against:
  manifest.json   the preprocessing combos, per photo and combo the file holding torchvision's eval tensor,
                  the per-channel lookup table that turns its bytes into torch's floats, the weights recipe of the
                  end-to-end model and the logits/probabilities torch computes with it.
  <photo>.<combo>.u8.gz
                  torchvision's eval transform of each photo, `Resize(resize_size, interp)` + `CenterCrop(size)`
                  on the PIL image, as CHW uint8 bytes (gzip). The float tensor that `ToTensor()` + `Normalize()`
                  makes of it is, value for value, table[c][byte]: this script builds the table with torch from
                  an image holding every byte value and asserts, bit for bit, that the lookup reproduces the
                  tensor torchvision computed for every photo. Storing bytes + table keeps the fixtures small
                  while the C# test still compares against torch's own float32 values.

End-to-end model (built again in the C# test with GraphBuilder from the same recipe):
  input [N,3,64,64] -> Conv(3->8, kernel 4, stride 4, bias) -> Relu -> GlobalAveragePool -> Flatten
  -> Gemm(8->10, transB) -> logits [N,10]. Weights are k/64-style dyadic numbers (exact in float32):
  conv_w[o,c,i,j] = round(64*sin(0.7o + 1.3c + 0.37i + 0.11j + 0.5)) / 256
  conv_b[o]       = round(16*cos(0.9o)) / 256
  fc_w[k,o]       = round(64*sin(1.1k - 0.6o + 0.2)) / 64
  fc_b[k]         = round(32*cos(0.5k)) / 128
Deterministic: no randomness, no timestamps.
"""
import gzip
import hashlib
import json
import math
import os

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "Fixtures", "images")
OUT = os.path.join(HERE, "..", "Fixtures", "pipeline")
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
COMBOS = [
    {"name": "s224_r256_bicubic", "size": 224, "resize_size": 256, "interpolation": "bicubic"},
    {"name": "s160_r182_bilinear", "size": 160, "resize_size": 182, "interpolation": "bilinear"},
    {"name": "s96_r110_lanczos", "size": 96, "resize_size": 110, "interpolation": "lanczos"},
    {"name": "s64_r73_bicubic", "size": 64, "resize_size": 73, "interpolation": "bicubic"},
    {"name": "s64_r64_nearest", "size": 64, "resize_size": 64, "interpolation": "nearest"},
]
E2E_COMBO = "s64_r73_bicubic"
MODES = {"nearest": InterpolationMode.NEAREST, "bilinear": InterpolationMode.BILINEAR,
         "bicubic": InterpolationMode.BICUBIC, "lanczos": InterpolationMode.LANCZOS}


def weights():
    conv_w = np.zeros((8, 3, 4, 4), np.float32)
    for o in range(8):
        for c in range(3):
            for i in range(4):
                for j in range(4):
                    conv_w[o, c, i, j] = round(64 * math.sin(0.7 * o + 1.3 * c + 0.37 * i + 0.11 * j + 0.5)) / 256
    conv_b = np.array([round(16 * math.cos(0.9 * o)) / 256 for o in range(8)], np.float32)
    fc_w = np.array([[round(64 * math.sin(1.1 * k - 0.6 * o + 0.2)) / 64 for o in range(8)] for k in range(10)], np.float32)
    fc_b = np.array([round(32 * math.cos(0.5 * k)) / 128 for k in range(10)], np.float32)
    return [torch.from_numpy(a) for a in (conv_w, conv_b, fc_w, fc_b)]


def model(x, w):
    conv_w, conv_b, fc_w, fc_b = w
    y = torch.nn.functional.conv2d(x, conv_w, conv_b, stride=4)
    y = torch.relu(y).mean(dim=(2, 3))
    return y @ fc_w.t() + fc_b


def main():
    os.makedirs(OUT, exist_ok=True)
    normalize = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    # Every byte value once per channel: a 1x256 image whose pixel v is (v, v, v).
    ramp = Image.fromarray(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2), "RGB")
    table = normalize(ramp).numpy()[:, 0, :]  # [3, 256]

    w = weights()
    manifest = {"mean": MEAN, "std": STD, "combos": COMBOS, "e2e_combo": E2E_COMBO,
                "table": [[float(v) for v in row] for row in table], "tensors": [], "e2e": []}
    for photo in PHOTOS:
        image = Image.open(os.path.join(IMAGES, photo)).convert("RGB")
        for combo in COMBOS:
            crop = T.Compose([T.Resize(combo["resize_size"], MODES[combo["interpolation"]]), T.CenterCrop(combo["size"])])
            cropped = crop(image)
            tensor = normalize(cropped)
            chw = np.asarray(cropped, np.uint8).transpose(2, 0, 1).copy()
            rebuilt = np.stack([table[c][chw[c]] for c in range(3)])
            assert rebuilt.tobytes() == tensor.numpy().tobytes(), f"table lookup differs from torch for {photo} {combo}"
            name = f"{photo}.{combo['name']}.u8.gz"
            with open(os.path.join(OUT, name), "wb") as f:
                # mtime=0 keeps the gzip header, and so the file, identical between runs.
                with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
                    g.write(chw.tobytes())
            manifest["tensors"].append({"image": photo, "combo": combo["name"], "file": name,
                                        "shape": list(chw.shape), "sha256_u8": hashlib.sha256(chw.tobytes()).hexdigest(),
                                        "float_mean": float(tensor.double().mean())})
            if combo["name"] == E2E_COMBO:
                with torch.no_grad():
                    logits = model(tensor[None], w)[0]
                probs = torch.softmax(logits, dim=0)
                manifest["e2e"].append({"image": photo, "logits": [float(v) for v in logits],
                                        "probabilities": [float(v) for v in probs], "top1": int(torch.argmax(probs))})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
