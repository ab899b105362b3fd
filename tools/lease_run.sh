#!/usr/bin/env bash
# The published study in one lease of a GPU machine, as one prepared command:
#
#   COMMIT=<sha> bash tools/lease_run.sh WAIT_S   on the H200: the gpu preset with
#                                                  config/overlays/h200_15min.yaml
#   bash tools/lease_run.sh --rehearse WAIT_S     the same steps on a CPU, at smoke sizes
#
# The device tool's calls, from the README: `python3 tools/gpu_wheels.py` here once, then
# run(command="COMMIT=<sha> bash tools/lease_run.sh 560", carry=[".whl"], timeout_s=600) and,
# if it says "still running", the same with a shorter wait, until it prints "published".
#
# Every call does what is left and returns within WAIT_S seconds (a device command ends after
# 10 minutes), so call it again until it prints "published". In order: install the carried
# wheels (.whl/, made by tools/gpu_wheels.sh) where any are missing; check that the plan fits
# the lease (python -m models.report.timeline plan); start the run with setsid, with all the
# lease's trainings on the GPU at once, and nvidia-smi sampling the GPU beside it; wait; then
# publish it (tools/publish_run.sh; provenance.json holds its measured timeline) and, where $OUT
# is set, pack the published folder into $OUT in parts of 15 MB (the device tool brings back
# files of at most 16 MiB). Unpack here with: cat published-*.tgz.part-* | tar -xz
set -uo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
rehearse=false
if [[ ${1:-} == --rehearse ]]; then rehearse=true; shift; fi
wait_s=${1:?give the seconds to wait, e.g. 540}
if $rehearse; then
    preset=smoke overlay="" name=${PUBLISH_AS:-rehearsal}
    opts=()
else
    preset=gpu overlay=config/overlays/h200_15min.yaml name=${PUBLISH_AS:-gpu}
    export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false
    if compgen -G ".whl/*.whl" > /dev/null; then  # the device machine lacks these packages
        [[ -d /tmp/site/snakemake ]] || $py -m pip install -q --no-index --no-deps \
            --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit 1
        export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} PATH=/tmp/site/bin:$PATH
    fi
    $py -m models.report.timeline plan --configfile "$overlay" || exit 1
    lanes=$($py -c "import yaml; print(yaml.safe_load(open('$overlay'))['lease']['gpu_lanes'])")
    opts=(--resources gpu="$lanes" --retries 1 --configfile "$overlay")
fi
run=results/$preset/run
out_dir=${PUBLISH_DIR:-published}/$name
mkdir -p "$run"
if [[ ! -f $run/started ]] && command -v nvidia-smi > /dev/null; then
    setsid nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used \
        --format=csv,noheader,nounits -l 2 > "$run/gpu.csv" 2> /dev/null < /dev/null &
fi
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
bash tools/publish_run.sh "$preset" "$commit" "$wait_s" "${opts[@]}" --publish-to "$out_dir"
rc=$?
[[ $rc == 0 ]] || exit $rc
pkill -f "nvidia-smi --query-gpu=timestamp" 2> /dev/null || true
$py -m models.report.timeline measure "results/$preset"
if [[ -n ${OUT:-} ]]; then
    mkdir -p "$OUT"
    tar -C "$(dirname "$out_dir")" -czf - "$name" \
        | split -b 15m - "$OUT/published-$name.tgz.part-" || exit 1
    ls -l "$OUT"
fi
echo "published $out_dir"
