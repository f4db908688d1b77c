"""Medians of compare_builds.sh's rounds per build: (a), (c), (d), R_decode, the bound and the two target ratios."""
import glob
import os
import re
import statistics
import sys

out, path_a, path_b = sys.argv[1:4]
rows = {}  # (model, row, build) -> [(img/s, peak RSS MiB, round)]
for name in glob.glob(os.path.join(out, "*-*.txt")):
    round_no, build = os.path.basename(name)[:-4].split("-")
    for line in open(name, encoding="utf-8"):
        m = re.match(r"(\S+@\d+): \((a|c|d)\) .*?: ([\d.]+) img/s, peak RSS (\d+) MiB", line) \
            or re.match(r"(\S+@\d+): (decode) \+ resize.*?: ([\d.]+) img/s, peak RSS (\d+) MiB", line)
        if m:
            model, row, rate, rss = m.groups()
            rows.setdefault((model, row, build), []).append((float(rate), int(rss), int(round_no)))

print(f"A = {path_a}\nB = {path_b}\n")
print("| model | build | (a) img/s | (a) per round | (c) | (d) R_infer | R_decode | bound | (a)/(c) | (a)/bound | (a) peak RSS MiB |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for model in sorted({k[0] for k in rows}):
    for build in ("A", "B"):
        med = {r: statistics.median(x[0] for x in rows.get((model, r, build), [(float("nan"), 0, 0)])) for r in ("a", "c", "d", "decode")}
        bound = 1 / (1 / med["d"] + 1 / med["decode"])
        per_round = " ".join(f"{x[0]:.0f}" for x in sorted(rows.get((model, "a", build), []), key=lambda x: x[2]))
        rss = max((x[1] for x in rows.get((model, "a", build), [])), default=0)
        print(f"| {model} | {build} | {med['a']:.1f} | {per_round} | {med['c']:.1f} | {med['d']:.1f} | {med['decode']:.1f} | "
              f"{bound:.1f} | {med['a'] / med['c']:.2f} | {med['a'] / bound:.2f} | {rss} |")
