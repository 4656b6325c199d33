#!/usr/bin/env bash
# The prepared device check for a GPU node (issue 12). Two halves, because the GPU node reaches no package registry:
#
#   bash scripts/gpu-check.sh prepare   # here (the .NET SDK and the registry): publishes the check, self-contained,
#                                       # to .gpu-check/gpu-check.tar.gz (ignored by git; about 30 MB)
#   bash scripts/gpu-check.sh           # on the GPU node (only the NVIDIA driver needed): unpacks and runs it
#
# The run checks the ILGPU spherical-harmonic and tensor-product kernels on the CUDA accelerator against the CPU
# kernels, and the ILGPU model (forward, every gradient, 3 AdamW steps) on CUDA against the same model on ILGPU's CPU
# accelerator (which the test suite holds equal to the TorchSharp model); then it measures training throughput for
# L=[0,1,2] h=32 and L=[0,3,4,5,6] h=16, batch 32, and prints molecules/s with the card's name. Exit 0 = all checks
# passed. Environment: EQUIGRID_ACCELERATOR=cpu runs the same on ILGPU's CPU accelerator (slow; for a dry run, with
# STEPS=1), STEPS = timed steps per repetition (default 20), GPU_CHECK_TIMEOUT = seconds (default 280).
#
# On a node with the .NET SDK and a built tree, the test suites run on CUDA too:
#   EQUIGRID_ACCELERATOR=cuda dotnet test tests/EquiGrid.Training.Gpu.Tests -c Release --no-build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.gpu-check"
archive="$dir/gpu-check.tar.gz"

case "${1:-run}" in
  prepare)
    rm -rf "$dir/app" "$archive"
    mkdir -p "$dir"
    dotnet publish "$root/bench/EquiGrid.GpuCheck/EquiGrid.GpuCheck.csproj" -c Release -r linux-x64 --self-contained true \
      -o "$dir/app" --nologo -v q -clp:ErrorsOnly
    # The check never touches TorchSharp at run time (no tensor is made), so libtorch's ~600 MB stay behind.
    find "$dir/app" -maxdepth 1 -type f \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libLibTorchSharp*' \
      -o -name 'libgomp*' -o -name 'libbackend_with_compiler*' -o -name 'libshm*' -o -name 'libtorch_global_deps*' \) -delete
    tar -C "$dir" -czf "$archive" app
    rm -rf "$dir/app"
    echo "gpu-check: prepared $(du -h "$archive" | cut -f1) at .gpu-check/gpu-check.tar.gz"
    ;;
  run)
    [ -f "$archive" ] || { echo "gpu-check: no prepared check at .gpu-check/gpu-check.tar.gz: run 'bash scripts/gpu-check.sh prepare' on a machine with the .NET SDK first" >&2; exit 2; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    tar -C "$work" -xzf "$archive"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    accelerator="${EQUIGRID_ACCELERATOR:-cuda}"
    DOTNET_gcServer=0 timeout "${GPU_CHECK_TIMEOUT:-280}" "$work/app/EquiGrid.GpuCheck" --accelerator "$accelerator" --steps "${STEPS:-20}"
    ;;
  *)
    echo "gpu-check: unknown mode '$1': use 'prepare' (here) or no argument (on the GPU node)" >&2
    exit 2
    ;;
esac
