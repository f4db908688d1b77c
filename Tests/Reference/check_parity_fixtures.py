"""Re-checks committed parity fixtures: loads each checkpoint into a fresh reference module, runs the
stored input and compares every stored output (max abs diff <= 1e-5 * max(1, max|expected|)).

    /usr/bin/python3 Tests/Reference/check_parity_fixtures.py [fixture folder ...]
Default: every folder under Tests/Fixtures/parity. Exits 1 on any mismatch.
"""
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

PARITY = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Fixtures', 'parity')


def read(folder: str, entry: dict) -> torch.Tensor:
    a = np.fromfile(os.path.join(folder, entry['file']), '<f4')
    return torch.from_numpy(a.reshape(entry['shape']).copy())


def check(folder: str) -> list:
    with open(os.path.join(folder, 'meta.json')) as f:
        meta = json.load(f)
    model = models.build(meta['variant'], meta['num_classes'])
    ckpt = torch.load(os.path.join(folder, meta['checkpoint']['file']), map_location='cpu')
    model.load_state_dict(ckpt[meta['checkpoint']['key']], strict=True)
    model.eval()
    with torch.no_grad():
        got = model.forward_stages(read(folder, meta['tensors']['input']))
    problems = []
    for name in meta['outputs']:
        want = read(folder, meta['tensors'][name])
        diff = (got[name] - want).abs().max().item()
        if tuple(got[name].shape) != tuple(want.shape) or diff > 1e-5 * max(1.0, want.abs().max().item()):
            problems.append(f'{name}: max|diff| {diff:.3e}')
    return problems


def main(argv) -> int:
    folders = argv or sorted(os.path.dirname(p) for p in glob.glob(os.path.join(PARITY, '*', 'meta.json')))
    failed = 0
    for folder in folders:
        problems = check(folder)
        print(('ok  ' if not problems else 'FAIL'), os.path.basename(os.path.normpath(folder)), *problems)
        failed += bool(problems)
    print(f'{len(folders) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
