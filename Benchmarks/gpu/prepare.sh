#!/usr/bin/env bash
# Prepares the CUDA check on a development machine (it needs .NET, Debian's python3-torch and the package registry;
# no GPU). Writes Benchmarks/gpu/out/: a converted model, the photos, GpuCheck published self-contained for
# linux-x64 with the CUDA build of ONNX Runtime, all packed into one gzipped tar and split into parts small enough
# for one transfer each (the CUDA provider library alone is ~289 MB), plus SHA256SUMS. See README.md.
#   bash Benchmarks/gpu/prepare.sh [variant] [resolution]      (default: shvit_s4 224)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
variant=${1:-shvit_s4}
resolution=${2:-224}
part_size=${PART_SIZE:-60M}   # under the 64 MiB a transfer carries
out="$here/out"
stage="$out/stage"
rm -rf "$stage" "$out/parts"
mkdir -p "$stage/photos" "$out/parts"

# 1. A converted model: a random-weight checkpoint in the official layout (the project's PyTorch reference), converted
#    by `mlnetattn zoo export` exactly as a user converts an official one. Random weights are enough to compare CUDA
#    against CPU and to time them; the file carries the card's preprocessing, so the pipeline resizes as trained.
/usr/bin/python3 "$root/Tests/Reference/make_parity_fixtures.py" --variant "$variant" --resolution "$resolution" --batch 1 --out "$out/fixture"
checkpoint=$(find "$out/fixture" -name 'checkpoint.pth' | head -n 1)
dotnet run --project "$root/Cli" -c Release -- zoo export "$variant" --checkpoint "$checkpoint" --resolution "$resolution" --out "$stage/model.onnx"

# 2. The photos: the committed fixtures and the shared data set when present.
find "$root/Tests/Fixtures/images" -maxdepth 1 -type f \( -name '*.jpg' -o -name '*.png' \) ! -name 'truncated.jpg' -exec cp {} "$stage/photos/" \;
if [ -d /work/shared/data ]; then
  find /work/shared/data -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | head -n 200 | while read -r f; do cp "$f" "$stage/photos/"; done
fi

# 3. GpuCheck, self-contained (the GPU machine has no .NET), with Microsoft.ML.OnnxRuntime.Gpu's natives.
dotnet publish "$here/GpuCheck/GpuCheck.csproj" -c Release -r linux-x64 --self-contained true -o "$stage/app" -nologo -v q
# Microsoft.ML.OnnxRuntime.Gpu.Windows' props copy its Windows DLLs (216 MB) into any x64/AnyCPU output, Linux included.
rm -f "$stage/app/"onnxruntime*.dll
for lib in libonnxruntime.so libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  [ -f "$stage/app/$lib" ] || { echo "prepare: $lib is missing from the published app" >&2; exit 1; }
done
# The CUDA build's main library exports the CUDA entry point; the CPU build's does not. Catches the CPU copy winning.
if ! nm -D --defined-only "$stage/app/libonnxruntime.so" | grep -q OrtSessionOptionsAppendExecutionProvider_CUDA; then
  echo "prepare: the published libonnxruntime.so is the CPU build; the GPU package did not win the file conflict" >&2
  exit 1
fi

# 4. One archive, split into parts; the receiving side checks every part and the whole.
tar -C "$stage" -czf - . | split -b "$part_size" -d -a 2 - "$out/parts/gpucheck.tgz.part-"
(cd "$out/parts" && sha256sum gpucheck.tgz.part-* > SHA256SUMS && cat gpucheck.tgz.part-* | sha256sum | sed 's/-$/gpucheck.tgz/' >> SHA256SUMS)
ls -l "$out/parts"
echo "prepare: $(ls "$out/parts" | grep -c part-) parts in $out/parts; send them one per transfer (README.md)"
