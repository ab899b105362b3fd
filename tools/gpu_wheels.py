"""Wheels for the packages the workflow needs that the GPU machine's image lacks.

    python3 tools/gpu_wheels.py [.whl]

Run on a machine with PyPI (this one): it walks the dependency closure of the workflow's
requirements (requirements.txt and requirements-nodeps.txt, as installed here), drops what the
H200 image already holds (H200_HAS, from the device tool's KINDS.md, read 2026-11-17) and what
only the tests or the site build use, and fetches each remaining package at the version
installed here as a Python 3.12 x86-64 wheel (a pure-Python wheel is built from the sdist
where PyPI has no wheel). tools/lease_run.sh installs them there with --no-index --no-deps.
"""
from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
H200_HAS = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage
cycler cython einops equinox etils filelock flatbuffers flax fonttools fsspec h5py humanize idna
imageio iniconfig jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver
lazy-loader llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl ml-dtypes msgpack
multidict networkx ninja numba numpy onnx onnxruntime opt-einsum optax packaging pandas pathspec
pillow pip pluggy portalocker protobuf psutil pyarrow pygments pyparsing pytest
python-dateutil pyyaml regex requests rich scikit-image scikit-learn scipy setuptools six
sortedcontainers sympy tabulate tensorboard tensorboard-data-server threadpoolctl tifffile toolz
torch tqdm typer typing-extensions urllib3 wheel wrapt xxhash zipp""".split()
# Used by the tests, the site build (mkdocs) or the TensorFlow reference only, never by the
# run up to its pages' sources; or the SLURM executor, which a single machine does not use.
NOT_NEEDED = {"pytest", "playwright", "mkdocs", "mkdocs-material", "tensorflow-cpu",
              "tensorflow", "tf-keras", "tensorboard", "snakemake-executor-plugin-slurm",
              "snakemake-executor-plugin-slurm-jobstep", "torch", "jax", "jaxlib"}
TARGET = {"python_version": "3.12", "python_full_version": "3.12.3", "sys_platform": "linux",
          "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
          "implementation_name": "cpython", "platform_python_implementation": "CPython",
          "extra": ""}
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64", "manylinux1_x86_64")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> list[str]:
    names = []
    for f in ("requirements.txt", "requirements-nodeps.txt"):
        for line in (ROOT / f).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                names.append(norm(re.split(r"[=<>\[ ]", line)[0]))
    return [n for n in names if n not in NOT_NEEDED]


def closure(roots: list[str], nodeps: set[str]) -> dict[str, str]:
    """{name: installed version} of ``roots`` and what they require (extras and other
    platforms' markers left out); the no-deps packages' own requirements are not followed."""
    have = set(map(norm, H200_HAS)) | NOT_NEEDED
    seen, todo = {}, list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name in have:
            continue
        dist = md.distribution(name)
        seen[name] = dist.version
        if name in nodeps:
            continue
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(TARGET):
                todo.append(norm(req.name))
    return seen


# Parts of three large wheels the run never reads, cut so the wheels and the working tree fit
# the 64 MiB a device call carries: pulp's CBC binaries (Snakemake runs --scheduler greedy),
# musicnn's checkpoints but MTT_musicnn (models/evaluate/musicnn_numpy.py), and music21's
# corpus but Bach (models/data/render.py).
CUT = {"pulp": re.compile(r"pulp/(solverdir|tests)/"),
       "musicnn": re.compile(r"musicnn/(MSD_musicnn|MSD_vgg|MTT_vgg)/"),
       "music21": re.compile(r"music21/corpus/(?!bach/|_metadataCache/)[^/]+/")}


def slim(wheel: Path, cut: re.Pattern) -> None:
    """Rewrite ``wheel`` without the files ``cut`` matches (and their RECORD lines)."""
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if cut.match(info.filename):
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = "".join(line for line in data.decode().splitlines(True)
                               if not cut.match(line)).encode()
            dst.writestr(info, data)
    tmp.replace(wheel)


def fetch(name: str, version: str, dest: Path) -> None:
    pip = [sys.executable, "-m", "pip"]
    plat = [a for p in PLATFORMS for a in ("--platform", p)]
    got = subprocess.run(pip + ["download", "-q", "--no-deps", "--only-binary=:all:",
                                "--python-version", "3.12", "--implementation", "cp", *plat,
                                "-d", str(dest), f"{name}=={version}"], capture_output=True)
    if got.returncode:  # no wheel on PyPI: build the (pure-Python) sdist into one
        subprocess.run(pip + ["wheel", "-q", "--no-deps", "-w", str(dest), f"{name}=={version}"],
                       check=True)


def main() -> None:
    dest = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / ".whl")
    dest.mkdir(exist_ok=True)
    nodeps = {norm(r) for r in requirements()} & {"musicnn", "basic-pitch"}
    wanted = closure(requirements(), nodeps)
    for name, version in sorted(wanted.items()):
        fetch(name, version, dest)
        if name in CUT:
            slim(next(dest.glob(f"{name.replace('-', '_')}-{version}-*.whl")), CUT[name])
    size = sum(p.stat().st_size for p in dest.glob("*.whl")) / 2 ** 20
    print(f"{len(wanted)} packages, {len(list(dest.glob('*.whl')))} wheels, {size:.1f} MiB in "
          f"{dest}: {', '.join(f'{n}=={v}' for n, v in sorted(wanted.items()))}")


if __name__ == "__main__":
    main()
