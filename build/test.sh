#!/usr/bin/env bash
# Runs every test project and closes with one line "N passed, N failed[, N skipped]",
# counted from the TRX results that dotnet test writes (its own console summary is per project).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$root/TestResults"
rm -rf "$results"
# Full-size parity (every zoo variant against PyTorch, fixtures generated with Debian's torch) runs in CI
# or with MLNETATTN_FULL_PARITY=1; the default run uses the small committed fixtures only.
filter=()
if [ "${CI:-}" != "true" ] && [ "${MLNETATTN_FULL_PARITY:-}" != "1" ]; then
  filter=(--filter "TestCategory!=FullSize")
fi
dotnet test "$root/MLNetAttn.sln" -c Release --logger "trx" --results-directory "$results" "${filter[@]}" "$@"
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted) + $(value inconclusive)))
done
if [ "$files" -eq 0 ]; then
  echo "no test results were written (build failure?)" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
