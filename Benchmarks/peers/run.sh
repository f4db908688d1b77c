#!/usr/bin/env bash
# The side-by-side benchmark in one command: MLNetAttn vs PyTorch eager vs onnxruntime-node + sharp, plus the
# inference-only and decode-only limits, on the same photos and checkpoints. Prints one table and writes
# Benchmarks/RESULTS.md. All options go to the harness (see Benchmarks/README.md), e.g.
#   bash Benchmarks/peers/run.sh --images 300 --threads 2 --decode-workers 2
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

# The Node peer's packages, exactly as package-lock.json pins them. ONNXRUNTIME_NODE_INSTALL=skip: the package's
# install script would otherwise try to fetch CUDA binaries, which the CPU benchmark does not use.
if [ ! -d "$here/node_modules/onnxruntime-node" ] || [ ! -d "$here/node_modules/sharp" ]; then
  (cd "$here" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi

dotnet build -c Release "$root/Benchmarks" -nologo -v q
# The CLI too, so that the `mlnetattn score` row runs where that command exists (the harness checks `score --help`).
dotnet build -c Release "$root/Cli" -nologo -v q >/dev/null 2>&1 || echo "note: the CLI did not build; the mlnetattn score row is skipped" >&2

exec "$root/Benchmarks/bin/Release/net10.0/MLNetAttn.Benchmarks" peers "$@"
