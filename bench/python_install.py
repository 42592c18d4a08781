#!/usr/bin/env python3
"""Times `den pyenv install` against `uv python install` from the same local mirror.

Usage: python3 bench/python_install.py [--runs 10] [--den PATH] [--uv PATH] [--source PREFIX]
                                       [--pyenv-tarball Python-X.Y.Z.tgz [--pyenv-runs 1]]

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

With --pyenv-tarball (CPython's source release, e.g. Debian's python3.11_3.11.2.orig.tar.gz,
which is python.org's Python-3.11.2.tgz byte for byte), `pyenv install X.Y.Z` first builds that
version from source --pyenv-runs times (pyenv at ~/.pyenv with its build dependencies; pyenv's
own definition for the version, told to take the .tgz, which python-build finds in its cache
directory and checks against the definition's SHA-256, so nothing is downloaded), and the
tree it built is what den and uv then install, so all three tools install the same version.
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


def timed(cmd, env, log=subprocess.DEVNULL):
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=log, stderr=log)
    return time.perf_counter() - start


def pyenv_build(tarball, scratch, base, runs):
    """Times pyenv's build of `tarball` from source: (seconds per run, the prefix it built).

    pyenv's definition for the version, with `has_tar_xz_support` answering no so that it takes
    the .tgz line, whose checksum the tarball must match (python-build refuses it otherwise).
    """
    version = tarball.name.removeprefix("Python-").split(".tgz")[0]
    pyenv_home = Path.home() / ".pyenv"
    shipped = pyenv_home / "plugins/python-build/share/python-build" / version
    definitions = scratch / "pyenv-definitions"
    definitions.mkdir(parents=True, exist_ok=True)
    (definitions / version).write_text("has_tar_xz_support() { return 1; }\n"
                                       + shipped.read_text())
    cache = scratch / "pyenv-cache"
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / f"Python-{version}.tar.gz"
    if not cached.exists():
        cached.symlink_to(tarball.resolve())
    root = scratch / "pyenv-root"
    env = dict(base, PYENV_ROOT=str(root), PYTHON_BUILD_CACHE_PATH=str(cache),
               PYTHON_BUILD_SKIP_HOMEBREW="1")
    times = []
    log_path = scratch / "pyenv-build.log"
    for _ in range(runs):
        shutil.rmtree(root, ignore_errors=True)
        with open(log_path, "w") as log:
            try:
                times.append(timed([str(pyenv_home / "bin/pyenv"), "install", "-v",
                                    str(definitions / version)], env, log))
            except subprocess.CalledProcessError:
                raise SystemExit(f"pyenv's build failed; its output: {log_path}")
    built = scratch / "pyenv-built" / version
    shutil.rmtree(built.parent, ignore_errors=True)
    built.parent.mkdir(parents=True)
    (root / "versions" / version).rename(built)
    return times, built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--den", help="den binary [default: a fresh release build]")
    parser.add_argument("--uv", help="uv binary [default: uv in bench/.work/tools]")
    parser.add_argument("--source", default=str(Path.home() / ".pyenv/versions/3.11.7"),
                        help="the CPython prefix to pack [default: pyenv's 3.11.7]")
    parser.add_argument("--pyenv-tarball", type=Path,
                        help="time pyenv's build of this CPython source tarball and pack its tree")
    parser.add_argument("--pyenv-runs", type=int, default=1)
    args = parser.parse_args()
    den = den_binary(args.den)
    uv = args.uv or str(setup_tools(default_python(), "uv") / "bin" / "uv")
    scratch = WORK / "python-install"
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PYENV", "UV_", "DEN_PYTHON"))}
    source, built = Path(args.source), []
    if args.pyenv_tarball:
        built, source = pyenv_build(args.pyenv_tarball, scratch, base, args.pyenv_runs)
    mirror = WORK / "pbs-mirror"
    path, filename, version = pack(source, mirror)
    index_file = index(path, filename, version, WORK / "pbs-index.json")
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
    if built:
        value = median(built)
        print(f"{'pyenv install':20} {value * 1000:8.1f} ms  {ratio(value, uv_median)}"
              f"  (from source, {len(built)} run(s); den's time is "
              f"{ratio(median(times['den pyenv install'][1:]), value, 4)} of it)")


if __name__ == "__main__":
    main()
