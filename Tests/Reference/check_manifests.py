"""Checks that every reference variant's state_dict equals its official manifest.

For each Tests/Fixtures/manifests/<variant>.json (extracted from the official code, see README.md)
this builds the reference module and compares: the set of state_dict names (order-insensitive),
each tensor's shape, and the trainable parameter count. Exits 1 on any difference.

    /usr/bin/python3 Tests/Reference/check_manifests.py [variant ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

MANIFESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Fixtures', 'manifests')


def check(variant: str):
    """Returns (differences as readable lines, our param count, official param count)."""
    with open(os.path.join(MANIFESTS, variant + '.json')) as f:
        manifest = json.load(f)
    model = models.build(variant)
    ours = {k: list(t.shape) for k, t in model.state_dict().items()}
    theirs = {k: shape for k, shape in manifest['state_dict']}
    problems = []
    for k in sorted(set(theirs) - set(ours)):
        problems.append(f'missing {k} {theirs[k]}')
    for k in sorted(set(ours) - set(theirs)):
        problems.append(f'unexpected {k} {ours[k]}')
    for k in sorted(set(ours) & set(theirs)):
        if ours[k] != theirs[k]:
            problems.append(f'shape of {k}: ours {ours[k]}, official {theirs[k]}')
    params = sum(p.numel() for p in model.parameters())
    if params != manifest['params']:
        problems.append(f'params: ours {params:,}, official {manifest["params"]:,}')
    return problems, params, manifest['params']


def main(argv) -> int:
    names = argv or sorted(f[:-5] for f in os.listdir(MANIFESTS) if f.endswith('.json'))
    failed = 0
    for v in names:
        problems, ours, theirs = check(v)
        status = 'ok' if not problems else 'FAIL'
        print(f'{status:4} {v:18} params ours {ours:>12,} official {theirs:>12,}')
        for p in problems[:20]:
            print('     ', p)
        failed += bool(problems)
    print(f'{len(names) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
