#!/usr/bin/env bash
# The GAN speed check of issue 16 on one GPU, as one prepared command (JAX, bf16, d 64, batch
# 64; not yet run on a GPU: the "before" compile was 60-170 s per model on an H200, so allow
# up to 10 minutes and start it with setsid): training and generation with Keras's strided layers
# ("before") and with the stride-1 rewrite ("after"), the latter twice so that the second run's
# compile comes from the persistent cache. Rows, logs and provenance go to $1 (default $OUT).
#
#   bash tools/gpu_benchmark.sh published/gpu_speed/$(date +%F)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:?give an output folder}}
mkdir -p "$out"
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false
cache=$(mktemp -d)
common=(--backends jax --models wavegan specgan --d 64 --batch 64 --mixed-precision
        --peak-tflops 989.4 --log-every 25 --calls 4 --gen-batches 1 64 256 --gen-repeats 10)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse HEAD 2>/dev/null || cat COMMIT 2>/dev/null || echo unknown)"
  python3 -c "import jax, keras; print('jax', jax.__version__, 'keras', keras.__version__,
      'device', jax.devices()[0].device_kind)"
  nvidia-smi --query-gpu=name,driver_version,memory.used,utilization.gpu --format=csv || true
  echo "command: tools/benchmark_gan.py ${common[*]}"
} > "$out/provenance.txt" 2>&1
python3 tools/benchmark_gan.py "${common[@]}" --keras-conv --csv "$out/before.csv" \
    | tee "$out/before.txt"
python3 tools/benchmark_gan.py "${common[@]}" --cache "$cache" --csv "$out/after_cold.csv" \
    | tee "$out/after_cold.txt"
python3 tools/benchmark_gan.py "${common[@]}" --cache "$cache" --csv "$out/after.csv" \
    | tee "$out/after.txt"
