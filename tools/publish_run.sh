#!/usr/bin/env bash
# Run a preset up to the site's pages in the background, wait for it, and publish it.
#
#   tools/publish_run.sh PRESET COMMIT WAIT_S [--publish-to DIR] [snakemake options...]
#
# The run is started with setsid, so it outlives this command (a GPU machine ends a command
# after 10 minutes; call this again to go on waiting). When it has finished, its wall time
# (start to end, measured here) and provenance go with it into DIR (default published/PRESET)
# (python -m models.report.publish). Exit status: 0 published, 3 still running, other: the run
# failed.
set -uo pipefail
preset=$1 commit=$2 wait_s=$3
shift 3
dest=published/$preset opts=()
while [[ $# -gt 0 ]]; do
    if [[ $1 == --publish-to ]]; then dest=$2; shift 2; else opts+=("$1"); shift; fi
done
py=${PYTHON:-python3}
run=results/$preset/run
mkdir -p "$run"
targets="results/$preset/site_src results/$preset/benchmark.csv"
cmd="snakemake $targets --cores all --scheduler greedy ${opts[*]} --config preset=$preset"
if [[ ! -f $run/started ]]; then
    date +%s.%N > "$run/started"
    echo "$cmd" > "$run/command"
    setsid bash -c "$py -m $cmd > $run/log 2>&1; echo \$? > $run/rc; date +%s.%N > $run/ended" \
        < /dev/null > /dev/null 2>&1 &
fi
deadline=$(( $(date +%s) + wait_s ))
while [[ ! -f $run/ended && $(date +%s) -lt $deadline ]]; do
    sleep 10
    echo "[$(date +%T)] $(grep -c '^Finished job' "$run/log" 2>/dev/null) jobs done;" \
         "$(grep -E '^(rule|localrule) ' "$run/log" | tail -1)"
done
if [[ ! -f $run/ended ]]; then
    echo "still running after ${wait_s} s"; exit 3
fi
rc=$(cat "$run/rc")
if [[ $rc != 0 ]]; then
    tail -40 "$run/log"; echo "the run failed (exit $rc)"; exit "$rc"
fi
wall=$($py -c "print($(cat "$run/ended") - $(cat "$run/started"))")
$py -m models.report.publish "results/$preset" "$dest" --commit "$commit" \
    --wall-s "$wall" --command "$(cat "$run/command")"
