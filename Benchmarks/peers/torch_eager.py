"""The PyTorch eager peer: PIL eval transform + the reference module, images/s over a folder of photos.

Run with Debian's interpreter (torch 1.13); Benchmarks/peers/run.sh calls it with the model card's preprocessing:
    /usr/bin/python3 Benchmarks/peers/torch_eager.py --variant shvit_s4 --checkpoint CKPT --images DIR \
        --resolution 256 --resize-size 284 --interpolation bicubic --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225

The preprocessing is torchvision's eval transform as timm builds it (Resize(shorter side to resize_size, PIL
filter) -> CenterCrop -> ToTensor -> Normalize). With --workers 0 (the default) every image is decoded and
resized in the main process between model calls (a simple loop, no overlap); with --workers N a DataLoader with
N worker processes prepares batches while the model runs (their memory is not in the reported peak). The first
batch runs once untimed (warm-up); the timed pass then covers every image. The last line is a JSON object.
"""
import argparse
import json
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Tests', 'Reference'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
from peak_rss import vmhwm_kb  # noqa: E402

FILTERS = {'bicubic': transforms.InterpolationMode.BICUBIC, 'bilinear': transforms.InterpolationMode.BILINEAR,
           'nearest': transforms.InterpolationMode.NEAREST, 'lanczos': transforms.InterpolationMode.LANCZOS}


class Photos(torch.utils.data.Dataset):
    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            return self.transform(im.convert('RGB'))


def batches(paths, transform, batch, workers):
    if workers == 0:
        for i in range(0, len(paths), batch):
            yield torch.stack([Photos(paths[i:i + batch], transform)[j] for j in range(len(paths[i:i + batch]))])
    else:
        yield from torch.utils.data.DataLoader(Photos(paths, transform), batch_size=batch, num_workers=workers, shuffle=False)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--variant', required=True)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--images', required=True)
    p.add_argument('--resolution', type=int, required=True)
    p.add_argument('--resize-size', type=int, required=True)
    p.add_argument('--interpolation', default='bicubic', choices=sorted(FILTERS))
    p.add_argument('--mean', default='0.485,0.456,0.406')
    p.add_argument('--std', default='0.229,0.224,0.225')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--threads', type=int, default=2, help='torch intra-op threads (torch.set_num_threads)')
    p.add_argument('--workers', type=int, default=0, help='DataLoader worker processes; 0 = simple loop')
    p.add_argument('--limit', type=int, default=0, help='use only the first N images (0 = all)')
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    saved = torch.load(a.checkpoint, map_location='cpu')
    state = saved.get('model', saved.get('state_dict', saved))
    num_classes = next(v.shape[0] for k, v in state.items() if k in ('head.l.weight', 'head.op_list.3.linear.weight', 'head.weight'))
    model = models.build(a.variant, num_classes)
    model.load_state_dict(state, strict=True)
    model.eval()

    transform = transforms.Compose([
        transforms.Resize(a.resize_size, interpolation=FILTERS[a.interpolation]),
        transforms.CenterCrop(a.resolution),
        transforms.ToTensor(),
        transforms.Normalize([float(x) for x in a.mean.split(',')], [float(x) for x in a.std.split(',')]),
    ])
    paths = sorted(os.path.join(a.images, f) for f in os.listdir(a.images) if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    if a.limit:
        paths = paths[:a.limit]

    with torch.inference_mode():
        for x in batches(paths[:a.batch], transform, a.batch, 0):
            model(x)  # warm-up: allocator, kernels, first-touch of the weights
        cpu_start = time.process_time()  # all threads of this process (not the DataLoader's worker processes)
        start = time.perf_counter()
        count = 0
        for x in batches(paths, transform, a.batch, a.workers):
            logits = model(x)
            count += logits.shape[0]
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({'images': count, 'seconds': seconds, 'vmhwm_kb': vmhwm_kb(), 'cpu_seconds': cpu_seconds,
                      'note': f'torch {torch.__version__}, {a.threads} threads, ' + (f'DataLoader {a.workers} workers' if a.workers else 'simple loop')}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
