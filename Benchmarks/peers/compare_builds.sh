#!/usr/bin/env bash
# Two builds of the repository side by side: rows (a), (c), (d) and R_decode of the peer harness, one harness run per
# build per round, the order alternating (A B B A A B ...) so that drift in the machine's load hits both alike.
# Both builds share the work folder, so they score the same photos with the same ONNX files.
#   bash Benchmarks/peers/compare_builds.sh /path/to/checkout-A /path/to/checkout-B [rounds] [harness options...]
# Each checkout must have built its harness (dotnet build -c Release Benchmarks). Prints the medians per build;
# each round's output stays in $OUT (default /tmp/mlnetattn-compare-builds).
set -uo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=${3:-5}; shift 3 2>/dev/null || shift $#
out=${OUT:-/tmp/mlnetattn-compare-builds}
rm -rf "$out"; mkdir -p "$out"
order=()
for ((i = 0; i < rounds; i++)); do
  if ((i % 2 == 0)); then order+=(A B); else order+=(B A); fi
done
n=0
for who in "${order[@]}"; do
  n=$((n + 1))
  dir=$([ "$who" = A ] && echo "$a" || echo "$b")
  echo "round $n: $who ($dir), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  (cd "$dir" && "$dir/Benchmarks/bin/Release/net10.0/MLNetAttn.Benchmarks" peers --only a,c,d,decode --repeat 1 --no-results "$@") \
    > "$out/$n-$who.txt" 2>&1 || echo "round $n ($who) failed: see $out/$n-$who.txt" >&2
done
/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/compare_builds.py" "$out" "$a" "$b"
