#!/usr/bin/env bash
# Runs the CUDA check on the GPU machine (no .NET needed: the app is self-contained). Reassembles the parts that
# prepare.sh wrote, checks them, points the loader at the CUDA 13 / cuDNN 9 libraries of the Python environment's
# nvidia-* wheels, and runs GpuCheck. Prints what the note quotes.
#   bash Benchmarks/gpu/run.sh <folder with gpucheck.tgz.part-* and SHA256SUMS> [device] [batch]
set -euo pipefail
parts=$(cd "${1:?folder of the received parts}" && pwd)
device=${2:-0}
batch=${3:-32}
work=${GPUCHECK_WORK:-/tmp/gpucheck}

cd "$parts"
grep ' gpucheck.tgz.part-' SHA256SUMS | sha256sum -c -   # every part listed must be here and intact
cat gpucheck.tgz.part-* > /tmp/gpucheck.tgz
(cd /tmp && grep ' gpucheck.tgz$' "$parts/SHA256SUMS" | sha256sum -c -)
rm -rf "$work" && mkdir -p "$work"
tar -C "$work" -xzf /tmp/gpucheck.tgz
rm -f /tmp/gpucheck.tgz

# CUDA from pip: nvidia-cublas, nvidia-cudnn-cu13, nvidia-cuda-runtime, nvidia-curand install their libraries under
# site-packages/nvidia/<package>/lib (or nvidia/cu13/lib); every folder there holding a shared library goes on the path.
python=${PYTHON:-python3}
nvidia=$("$python" -c 'import nvidia, sys; print("\n".join(nvidia.__path__))' 2>/dev/null || true)
dirs=""
for n in $nvidia; do
  for d in $(find "$n" -name 'lib*.so*' -printf '%h\n' | sort -u); do dirs="$dirs${dirs:+:}$d"; done
done
[ -n "$dirs" ] || { echo "run: no nvidia-* wheels found by $python; set PYTHON to the environment that has them" >&2; exit 1; }
export LD_LIBRARY_PATH="$dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
# What the CUDA provider needs (libcuda.so.1 comes from the driver); cuDNN is opened at run time, so list it too.
ldd "$work/app/libonnxruntime_providers_cuda.so" | grep -E 'cublas|curand|cudart|libcuda|not found' || true
ls $(echo "$LD_LIBRARY_PATH" | tr ':' ' ') 2>/dev/null | grep -E '^libcudnn\.so' | head -n 3 || true

"$work/app/GpuCheck" --model "$work/model.onnx" --images "$work/photos" --device "$device" --batch "$batch"
