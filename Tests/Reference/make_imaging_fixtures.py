#!/usr/bin/python3
"""Writes the imaging fixtures into Tests/Fixtures/imaging/ (run with Debian's /usr/bin/python3: PIL + numpy).

What it writes, and what the C# tests compare against:
  manifest.json             PIL's decode of each photo (size, SHA-256 of the RGB bytes, channel means) and
                            the list of resize references with their source, kernel and size.
  resize_*.png              PIL Image.resize results (NEAREST, BILINEAR, BICUBIC, LANCZOS) of the photos:
                            downscales to 64x48, an anisotropic 100x37, and an upscale of a 32x24 crop to 80x56.
  grey.png, grey_alpha.png, rgba.png, rgb16.png (+ rgb16.raw16, its samples), rgba16.png, grey16.png,
  palette.png, palette_trns.png (index 0 transparent), cmyk.jpg, exif6.jpg:
                            small synthetic inputs (40x30) for the colour conversions and EXIF orientation.
  *.expected.rgb            PIL's answer as raw HWC RGB bytes where our output is defined to equal PIL
                            (convert("RGB"), exif_transpose for exif6.jpg).
  huge_60000.png            a valid PNG header claiming 60000x60000 with a tiny IDAT (pixel-limit test).
  not_an_image.jpg          text named .jpg.
Deterministic: fixed seeds, no timestamps.
"""
import hashlib
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "Fixtures", "images")
OUT = os.path.join(HERE, "..", "Fixtures", "imaging")
KERNELS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}
W, H = 40, 30


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, width, height, bit_depth, colour_type, raw_rows):
    """A minimal PNG writer (PIL cannot write 16-bit RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\x00" + row for row in raw_rows), 9)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def save_expected(name, image):
    a = np.asarray(image.convert("RGB"), dtype=np.uint8)
    with open(os.path.join(OUT, name + ".expected.rgb"), "wb") as f:
        f.write(a.tobytes())
    return {"width": a.shape[1], "height": a.shape[0], "sha256": sha(a)}


def synthetic():
    rng = np.random.default_rng(20240611)
    y, x = np.mgrid[0:H, 0:W]
    grey = ((x * 255) // (W - 1)).astype(np.uint8)
    alpha = ((y * 255) // (H - 1)).astype(np.uint8)
    rgb = np.stack([grey, 255 - grey, ((y * 255) // (H - 1)).astype(np.uint8)], axis=-1)
    info = {}

    Image.fromarray(grey, "L").save(os.path.join(OUT, "grey.png"))
    info["grey.png"] = save_expected("grey.png", Image.open(os.path.join(OUT, "grey.png")))

    Image.fromarray(np.stack([grey, alpha], -1), "LA").save(os.path.join(OUT, "grey_alpha.png"))
    info["grey_alpha.png"] = save_expected("grey_alpha.png", Image.open(os.path.join(OUT, "grey_alpha.png")))

    Image.fromarray(np.concatenate([rgb, alpha[..., None]], -1), "RGBA").save(os.path.join(OUT, "rgba.png"))
    info["rgba.png"] = save_expected("rgba.png", Image.open(os.path.join(OUT, "rgba.png")))

    # 16-bit RGB: distinct low bytes so truncation and rounding are distinguishable.
    rgb16 = rgb.astype(np.uint16) * 257 + rng.integers(0, 256, size=rgb.shape, dtype=np.uint16) % 200
    rgb16 = np.minimum(rgb16, 65535).astype(">u2")
    write_png(os.path.join(OUT, "rgb16.png"), W, H, 16, 2, [rgb16[r].tobytes() for r in range(H)])
    info["rgb16.png"] = save_expected("rgb16.png", Image.open(os.path.join(OUT, "rgb16.png")))
    with open(os.path.join(OUT, "rgb16.raw16"), "wb") as f:
        f.write(rgb16.astype("<u2").tobytes())

    # 16-bit RGBA: the 8-bit ramps times 257 plus the row alpha, so 8-bit results are predictable.
    rgba16 = np.concatenate([rgb, alpha[..., None]], -1).astype(np.uint16) * 257
    write_png(os.path.join(OUT, "rgba16.png"), W, H, 16, 6, [rgba16[r].astype(">u2").tobytes() for r in range(H)])
    info["rgba16.png"] = {"pil_mode": Image.open(os.path.join(OUT, "rgba16.png")).mode}

    grey16 = (grey.astype(np.uint16) * 257).astype(">u2")
    write_png(os.path.join(OUT, "grey16.png"), W, H, 16, 0, [grey16[r].tobytes() for r in range(H)])
    info["grey16.png"] = {"pil_mode": Image.open(os.path.join(OUT, "grey16.png")).mode}

    pal = Image.fromarray(rgb, "RGB").quantize(colors=16, method=Image.MEDIANCUT, dither=Image.NONE)
    pal.save(os.path.join(OUT, "palette.png"))
    info["palette.png"] = save_expected("palette.png", Image.open(os.path.join(OUT, "palette.png")))

    pal.save(os.path.join(OUT, "palette_trns.png"), transparency=0)
    info["palette_trns.png"] = save_expected("palette_trns.png", Image.open(os.path.join(OUT, "palette_trns.png")))

    cmyk = np.stack([grey, 255 - grey, alpha, (x * 3 % 128).astype(np.uint8)], -1)
    Image.fromarray(cmyk, "CMYK").save(os.path.join(OUT, "cmyk.jpg"), quality=95)
    info["cmyk.jpg"] = save_expected("cmyk.jpg", Image.open(os.path.join(OUT, "cmyk.jpg")))

    # Stored frame 40x30 with a red block at the stored top-left; orientation 6 = rotate 90 degrees clockwise
    # to display, so the upright image is 30x40 with the red block at its top-right.
    frame = np.full((H, W, 3), 200, np.uint8)
    frame[0:10, 0:10] = (255, 0, 0)
    frame[H - 10:H, 0:10] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(frame, "RGB").save(os.path.join(OUT, "exif6.jpg"), quality=95, exif=exif.tobytes())
    upright = ImageOps.exif_transpose(Image.open(os.path.join(OUT, "exif6.jpg")))
    info["exif6.jpg"] = save_expected("exif6.jpg", upright)

    # 60000x60000 RGB claimed by IHDR; one row of data only (a decoder must refuse before reading pixels).
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64, 9)
    with open(os.path.join(OUT, "huge_60000.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))

    with open(os.path.join(OUT, "not_an_image.jpg"), "w") as f:
        f.write("This is a text file with a .jpg name; it is not an image.\n")
    return info


def photos():
    info = {}
    for name in ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg"]:
        a = np.asarray(Image.open(os.path.join(IMAGES, name)).convert("RGB"))
        info[name] = {"width": a.shape[1], "height": a.shape[0], "sha256": sha(a),
                      "mean": [round(float(a[..., c].mean()), 4) for c in range(3)]}
    return info


def resizes():
    cases = [("astronaut.png", None, (64, 48)), ("chelsea.png", None, (64, 48)), ("astronaut.png", None, (100, 37)),
             ("chelsea.png", (200, 100, 232, 124), (80, 56)), ("rocket.jpg", None, (64, 48))]
    out = []
    for source, crop, size in cases:
        im = Image.open(os.path.join(IMAGES, source)).convert("RGB")
        if crop:
            im = im.crop(crop)
        for kernel, resample in KERNELS.items():
            r = im.resize(size, resample=resample)
            stem = os.path.splitext(source)[0] + ("-crop" if crop else "")
            name = f"resize_{stem}_{kernel}_{size[0]}x{size[1]}.png"
            r.save(os.path.join(OUT, name), optimize=True)
            out.append({"file": name, "source": source, "crop": list(crop) if crop else None, "kernel": kernel,
                        "width": size[0], "height": size[1], "sha256": sha(np.asarray(r))})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {"pil_version": Image.__version__, "photos": photos(), "synthetic": synthetic(), "resize": resizes()}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
