#!/usr/bin/env bash
# Snakemake runs this after creating the conda env of environment.yml (--use-conda), with that
# env activated. It adds the packages that must be installed without their dependencies (see
# requirements-nodeps.txt). Snakemake first copies this script into the env's folder and runs it
# from its own working directory, the repo root, so the path below is relative to the repo, not
# to this script.
set -euo pipefail
if [ ! -f requirements-nodeps.txt ]; then
  echo "environment.post-deploy.sh: run from the repo root (no requirements-nodeps.txt in $PWD)" >&2
  exit 1
fi
python -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
