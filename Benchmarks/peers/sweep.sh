#!/usr/bin/env bash
# Thread settings by measurement: runs the harness for each intra-op thread count x decode worker count (the rows
# that depend on them: (a), (c), (d) and R_decode) and prints each run's table. RESULTS.md is left alone.
#   bash Benchmarks/peers/sweep.sh [--images 300] [--variants shvit_s4@256]   (extra options go to every run)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${SWEEP_THREADS:-"1 2 4"}
workers=${SWEEP_WORKERS:-"1 2 4"}
bash "$here/run.sh" --only decode --no-results "$@" >/dev/null   # builds, installs and makes photos and models once
for t in $threads; do
  for w in $workers; do
    echo "## intra-op threads $t, decode workers $w"
    "$root/Benchmarks/bin/Release/net10.0/MLNetAttn.Benchmarks" peers --only a,c,d,decode --threads "$t" --decode-workers "$w" --no-results "$@" 2>/dev/null
  done
done
