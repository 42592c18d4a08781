#!/usr/bin/env python3
"""Times `den pyenv install` against `uv python install` from the same local mirror.

Usage: python3 bench/python_install.py [--runs 10] [--den PATH] [--uv PATH] [--source PREFIX]

No internet needed past installing uv into bench/.work/tools. Packs a CPython on this machine
(default: pyenv's 3.11.7) the way python-build-standalone ships `install_only` archives (a
`python/` tree, without the test suite, IDLE, tkinter, bytecode and the static library) into
bench/.work/pbs-mirror, with a one-entry download index in uv's download-metadata.json format.
Then, interleaved, --runs times each into a fresh directory: `den pyenv install VERSION`
(DEN_PYTHON_INSTALL_MIRROR=file://..., DEN_PYTHON_DOWNLOADS_JSON_URL; includes den's rehash
of the shims) and `uv python install VERSION` (UV_PYTHON_INSTALL_MIRROR,
UV_PYTHON_DOWNLOADS_JSON_URL, UV_PYTHON_INSTALL_DIR, UV_PYTHON_BIN_DIR). Both check the
archive's SHA-256, unpack it, patch the sysconfig data and make their minor alias. Prints
medians and den's ratio to uv.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

from common import WORK, default_python, den_binary, median, ratio, setup_tools

BUILD = "20991231"
DROPPED = {"test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3",
           "__pycache__", "site-packages", "unittest", "pydoc_data"}


def pack(source, mirror):
    """The archive of `source` in python-build-standalone's shape: (path, file name, version)."""
    version = source.name
    machine = platform.machine().replace("arm64", "aarch64")
    filename = (f"cpython-{version}+{BUILD}-{machine}-unknown-linux-gnu"
                "-install_only_stripped.tar.gz")
    path = mirror / BUILD / filename
    if path.exists():
        return path, filename, version
    path.parent.mkdir(parents=True, exist_ok=True)

    def keep(info):
        parts = Path(info.name).parts[1:]
        if any(p in DROPPED for p in parts) or info.name.endswith(".a"):
            return None
        if parts[:1] == ("share",):
            return None
        if parts[:1] == ("bin",) and len(parts) > 1 and not parts[1].startswith("python"):
            return None
        return info

    temporary = path.with_suffix(".tmp")
    with tarfile.open(temporary, "w:gz", compresslevel=6) as tar:
        tar.add(source, arcname="python", filter=keep)
    temporary.rename(path)
    return path, filename, version


def index(path, filename, version, target):
    major, minor, patch = version.split(".")
    machine = platform.machine().replace("arm64", "aarch64")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    prefix = "https://github.com/astral-sh/python-build-standalone/releases/download"
    entry = {
        "name": "cpython", "arch": {"family": machine, "variant": None}, "os": "linux",
        "libc": "gnu", "major": int(major), "minor": int(minor), "patch": int(patch),
        "prerelease": "", "url": f"{prefix}/{BUILD}/{filename.replace('+', '%2B')}",
        "sha256": digest, "variant": None, "build": BUILD,
    }
    target.write_text(json.dumps({f"cpython-{version}-linux-{machine}-gnu": entry}, indent=2))
    return target


def timed(cmd, env):
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--den", help="den binary [default: a fresh release build]")
    parser.add_argument("--uv", help="uv binary [default: uv in bench/.work/tools]")
    parser.add_argument("--source", default=str(Path.home() / ".pyenv/versions/3.11.7"),
                        help="the CPython prefix to pack [default: pyenv's 3.11.7]")
    args = parser.parse_args()
    den = den_binary(args.den)
    uv = args.uv or str(setup_tools(default_python(), "uv") / "bin" / "uv")
    mirror = WORK / "pbs-mirror"
    path, filename, version = pack(Path(args.source), mirror)
    index_file = index(path, filename, version, WORK / "pbs-index.json")
    scratch = WORK / "python-install"
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PYENV", "UV_", "DEN_PYTHON"))}
    den_env = dict(base, PYENV_ROOT=str(scratch / "den"), DEN_CACHE_DIR=str(scratch / "den-cache"),
                   DEN_PYTHON_INSTALL_MIRROR=f"file://{mirror}",
                   DEN_PYTHON_DOWNLOADS_JSON_URL=str(index_file))
    uv_env = dict(base, UV_PYTHON_INSTALL_DIR=str(scratch / "uv"),
                  UV_PYTHON_BIN_DIR=str(scratch / "uv-bin"), UV_CACHE_DIR=str(scratch / "uv-cache"),
                  UV_PYTHON_INSTALL_MIRROR=f"file://{mirror}",
                  UV_PYTHON_DOWNLOADS_JSON_URL=str(index_file))
    commands = {
        "den pyenv install": ([den, "pyenv", "install", version], den_env, "den"),
        "uv python install": ([uv, "python", "install", version], uv_env, "uv"),
    }
    times = {name: [] for name in commands}
    for _ in range(args.runs + 1):  # the first round warms the page cache, not counted
        for name, (cmd, env, where) in commands.items():
            shutil.rmtree(scratch / where, ignore_errors=True)
            shutil.rmtree(scratch / "uv-bin", ignore_errors=True)
            times[name].append(timed(cmd, env))
    size = path.stat().st_size / 1e6
    print(f"archive: {filename} ({size:.1f} MB), {args.runs} runs each, medians")
    uv_median = median(times["uv python install"][1:])
    for name, values in times.items():
        value = median(values[1:])
        print(f"{name:20} {value * 1000:8.1f} ms  {ratio(value, uv_median)}")


if __name__ == "__main__":
    main()
