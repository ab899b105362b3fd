#!/usr/bin/env bash
# Install what bachgen needs on a fresh Debian/Ubuntu machine: Chromium and ffmpeg (for the
# tests: the site check and mp3 decoding) from the system's packages, the Python packages from
# requirements.txt. With --tests, also SLURM's daemons and munge (the SLURM profile's test
# starts a one-node cluster). Safe to run again; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ "${1:-}" = --tests ]; then  # the SLURM profile's test runs a one-node cluster
  for pkg in slurmctld slurmd; do
    command -v $pkg >/dev/null 2>&1 || [ -x /usr/sbin/$pkg ] || missing+=($pkg)
  done
  command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
  command -v munged >/dev/null 2>&1 || [ -x /usr/sbin/munged ] || missing+=(munge)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: apt-get install ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -r requirements.txt
# musicnn, tf-keras and basic-pitch: without their dependencies (see requirements-nodeps.txt)
python3 -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
# PyTorch, for the tests of the third Keras backend: the CPU build that this machine kind keeps
# on disk (elsewhere pip may fetch a large CUDA build; the workflow itself does not need torch).
python3 -c "import torch" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check \
  "torch==2.13.0" || echo "install.sh: torch not installable here; its backend test will fail"
