#!/usr/bin/env bash
# The prepared device check for a GPU node (issue 12). Two halves, because the GPU node reaches no package registry
# and has no .NET SDK:
#
#   bash scripts/gpu-check.sh prepare   # here (the .NET SDK and the registry): publishes the check, self-contained,
#                                       # to .gpu-check/gpu-check.tar.xz (ignored by git; about 29 MiB)
#   bash scripts/gpu-check.sh           # on the GPU node (only the NVIDIA driver needed): unpacks and runs it
#
# The run checks the ILGPU spherical-harmonic and tensor-product kernels on the CUDA accelerator against the CPU
# kernels, and the ILGPU model (predictions, loss and every gradient over 3 AdamW steps, then the weights) on CUDA
# against the same model on ILGPU's CPU accelerator, which the test suite holds equal to the TorchSharp model
# (tests/EquiGrid.Training.Gpu.Tests): libtorch (~600 MB) stays behind. Then it measures training throughput for
# L=[0,1,2] h=32 and L=[0,3,4,5,6] h=16, batch 32, and prints molecules/s with the card's name. It ends in under
# 5 minutes: the checks take seconds, each bench at most SECONDS_PER_CONFIG, and GPU_CHECK_TIMEOUT stops it regardless.
# Exit 0 = all checks passed, 1 = a check failed, 2 = nothing prepared or bad arguments, 3 = no CUDA device.
#
# Environment: STEPS = timed steps per repetition (default 20), BATCH (default 32), SECONDS_PER_CONFIG (default 90),
# CONFIGS = the bench's LSET:HIDDEN list (default "0,1,2:32 0,3,4,5,6:16"), GPU_CHECK_TIMEOUT = seconds (default 280).
# EQUIGRID_ACCELERATOR=cpu runs the same on ILGPU's CPU accelerator: a dry run of the prepared bundle on a machine
# without a GPU. That accelerator simulates every GPU thread ([0,1,2] h=32 did not finish 5 steps of batch 2 in 8
# minutes on the 2-core build machine), so the dry run benches a small model (about a minute there):
#   EQUIGRID_ACCELERATOR=cpu STEPS=1 BATCH=2 CONFIGS="0,1,2:2" bash scripts/gpu-check.sh
#
# With this workplace's device tool, prepare in the checkout that the tool sends (the 64 MiB it carries hold the
# tracked files, ~23 MiB, and this bundle), then run, allowing for the machine's start:
#   run(command='set -o pipefail; bash scripts/gpu-check.sh 2>&1 | tee "$OUT/gpu-check.log"', carry=[".gpu-check"], timeout_s=420)
#
# On a node with the .NET SDK and a built tree, the test suites run on CUDA too:
#   EQUIGRID_ACCELERATOR=cuda dotnet test tests/EquiGrid.Training.Gpu.Tests -c Release --no-build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.gpu-check"
archive="$dir/gpu-check.tar.xz"
limit_mib=64

case "${1:-run}" in
  prepare)
    rm -rf "$dir"
    mkdir -p "$dir"
    dotnet publish "$root/bench/EquiGrid.GpuCheck/EquiGrid.GpuCheck.csproj" -c Release -r linux-x64 --self-contained true \
      -o "$dir/app" --nologo -v q -clp:ErrorsOnly
    # The check never touches TorchSharp's native side at run time (no tensor is made), so libtorch's ~600 MB stay
    # behind; so do symbols and XML docs.
    find "$dir/app" -maxdepth 1 -type f \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libLibTorchSharp*' \
      -o -name 'libgomp*' -o -name 'libbackend_with_compiler*' -o -name 'libshm*' -o -name 'libtorch_global_deps*' \
      -o -name 'libaoti_custom_ops*' -o -name 'libjitbackend_test*' -o -name 'libnnapi_backend*' \
      -o -name '*.pdb' -o -name '*.xml' \) -delete
    commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit+uncommitted changes"
    echo "prepared from $commit on $(date -u +%Y-%m-%dT%H:%MZ)" > "$dir/app/PREPARED"
    tar -C "$dir" -cf - app | xz -6 -T0 > "$archive"
    rm -rf "$dir/app"
    tracked=$(git -C "$root" ls-files -z 2>/dev/null | (cd "$root" && xargs -0 stat -c %s 2>/dev/null) | awk '{s+=$1} END {print int(s/1048576)}')
    bundle=$(( $(stat -c %s "$archive") / 1048576 ))
    echo "gpu-check: prepared ${bundle} MiB at .gpu-check/gpu-check.tar.xz ($commit); with the tracked files (${tracked:-?} MiB) that is $(( bundle + ${tracked:-0} )) MiB of the device tool's $limit_mib MiB"
    if [ $(( bundle + ${tracked:-0} )) -ge $limit_mib ]; then
      echo "gpu-check: warning: over the device tool's $limit_mib MiB: the carry would be refused" >&2
    fi
    ;;
  run)
    [ -f "$archive" ] || { echo "gpu-check: no prepared check at .gpu-check/gpu-check.tar.xz: run 'bash scripts/gpu-check.sh prepare' on a machine with the .NET SDK first" >&2; exit 2; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    if command -v xz >/dev/null; then xz -dc "$archive"; else
      python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$archive"
    fi | tar -C "$work" -xf -
    echo "gpu-check: $(cat "$work/app/PREPARED")"
    if command -v nvidia-smi >/dev/null; then
      nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    else
      echo "gpu-check: nvidia-smi not found (no NVIDIA driver on this machine?)"
    fi
    accelerator="${EQUIGRID_ACCELERATOR:-cuda}"
    DOTNET_gcServer=0 timeout "${GPU_CHECK_TIMEOUT:-280}" "$work/app/EquiGrid.GpuCheck" --accelerator "$accelerator" \
      --steps "${STEPS:-20}" --batch "${BATCH:-32}" --seconds-per-config "${SECONDS_PER_CONFIG:-90}" \
      --configs "${CONFIGS:-0,1,2:32 0,3,4,5,6:16}"
    ;;
  *)
    echo "gpu-check: unknown mode '$1': use 'prepare' (here) or no argument (on the GPU node)" >&2
    exit 2
    ;;
esac
