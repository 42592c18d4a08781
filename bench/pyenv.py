#!/usr/bin/env python3
"""Times pyenv's shims and version commands against den's.

Usage: python3 bench/pyenv.py [--runs 40] [--den PATH]

Needs pyenv at $PYENV_ROOT or ~/.pyenv with CPython 3.11.7, 3.12.1 and 3.13.0 installed. Builds
den in release mode, then makes two scratch pyenv roots in bench/.work holding links to those
three versions: one rehashed by pyenv (its bash shims), one by `den pyenv rehash` (links to den).
A project directory pins `3.12` in .python-version. Interleaved, --runs times each:
`python -c pass` run directly (the interpreter itself), through pyenv's shim and through den's
shim; `pyenv version` / `versions` against `den pyenv version` / `versions`; with the
pyenv-virtualenv plugin installed, its prompt hook's work (`pyenv sh-activate --quiet` in a
directory whose .python-version names an environment) against den's, and making an environment
on the system Python (`pyenv virtualenv system NAME`, removed outside the clock; at most 5 runs).
Prints medians, the shims' overhead over the interpreter, and den's ratios to pyenv.
"""

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

from common import WORK, den_binary, median, ratio

VERSIONS = ["3.11.7", "3.12.1", "3.13.0"]


def make_root(path, real_versions):
    shutil.rmtree(path, ignore_errors=True)
    (path / "versions").mkdir(parents=True)
    for version in VERSIONS:
        (path / "versions" / version).symlink_to(real_versions / version)
    return path


def timed(cmd, env, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--den", help="den binary [default: a fresh release build]")
    args = parser.parse_args()
    real = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv = real / "libexec" / "pyenv"
    den = den_binary(args.den)
    pyenv_root = make_root(WORK / "pyenv-root-pyenv", real / "versions")
    den_root = make_root(WORK / "pyenv-root-den", real / "versions")
    project = WORK / "pyenv-project"
    project.mkdir(parents=True, exist_ok=True)
    (project / ".python-version").write_text("3.12\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYENV")}
    base.pop("VIRTUAL_ENV", None)
    system_path = "/usr/local/bin:/usr/bin:/bin"
    pyenv_env = dict(base, PYENV_ROOT=str(pyenv_root),
                     PATH=f"{pyenv_root / 'shims'}:{real / 'bin'}:{system_path}")
    den_env = dict(base, PYENV_ROOT=str(den_root), PATH=f"{den_root / 'shims'}:{system_path}")
    subprocess.run([pyenv, "rehash"], env=pyenv_env, check=True)
    subprocess.run([den, "pyenv", "rehash"], env=den_env, check=True)
    direct = real / "versions" / "3.12.1" / "bin" / "python"
    cases = {
        "python -c pass (the interpreter)": ([direct, "-c", "pass"], base),
        "python -c pass (pyenv shim)": ([pyenv_root / "shims" / "python", "-c", "pass"], pyenv_env),
        "python -c pass (den shim)": ([den_root / "shims" / "python", "-c", "pass"], den_env),
        "pyenv version": ([pyenv, "version"], pyenv_env),
        "den pyenv version": ([den, "pyenv", "version"], den_env),
        "pyenv versions": ([pyenv, "versions"], pyenv_env),
        "den pyenv versions": ([den, "pyenv", "versions"], den_env),
    }
    plugin = real / "plugins" / "pyenv-virtualenv"
    envs_project = WORK / "pyenv-envs-project"
    envs_project.mkdir(parents=True, exist_ok=True)
    (envs_project / ".python-version").write_text("benchenv\n")
    made = {}
    if plugin.is_dir():
        pyenv_env["PATH"] = f"{plugin / 'bin'}:{pyenv_env['PATH']}"
        for root in (pyenv_root, den_root):
            subprocess.run(["python3", "-m", "venv", "--without-pip",
                            root / "versions" / "benchenv"], check=True)
        hook = {"PYENV_VIRTUALENV_INIT": "1", "PYENV_SHELL": "bash"}
        cases["pyenv sh-activate --quiet (pyenv-virtualenv)"] = (
            [pyenv, "sh-activate", "--quiet"], dict(pyenv_env, **hook), envs_project)
        cases["den pyenv sh-activate --quiet"] = (
            [den, "pyenv", "sh-activate", "--quiet"], dict(den_env, **hook), envs_project)
        made = {
            "pyenv virtualenv system NAME (pyenv-virtualenv)":
                ([pyenv, "virtualenv", "system", "made"], pyenv_env, pyenv_root),
            "den pyenv virtualenv system NAME":
                ([den, "pyenv", "virtualenv", "system", "made"], den_env, den_root),
        }
    samples = {name: [] for name in list(cases) + list(made)}
    for run in range(args.runs):
        for name, case in cases.items():
            cmd, env, cwd = case if len(case) == 3 else (*case, project)
            samples[name].append(timed([str(c) for c in cmd], env, cwd))
        for name, (cmd, env, root) in made.items() if run < 5 else ():
            samples[name].append(timed([str(c) for c in cmd], env, project))
            shutil.rmtree(root / "versions" / "made")
    med = {name: median(times) for name, times in samples.items() if times}
    print(f"{args.runs} interleaved runs each, medians (ms)\n")
    print("| command | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, times in samples.items():
        print(f"| `{name}` | {med[name] * 1000:.2f} | {min(times) * 1000:.2f} | "
              f"{max(times) * 1000:.2f} |")
    python = med["python -c pass (the interpreter)"]
    print()
    print(f"shim overhead over the interpreter: pyenv "
          f"{(med['python -c pass (pyenv shim)'] - python) * 1000:.2f} ms, den "
          f"{(med['python -c pass (den shim)'] - python) * 1000:.2f} ms")
    print(f"den pyenv version / pyenv version: "
          f"{ratio(med['den pyenv version'], med['pyenv version'], 3)}")
    print(f"den pyenv versions / pyenv versions: "
          f"{ratio(med['den pyenv versions'], med['pyenv versions'], 3)}")
    for ours, theirs in (("den pyenv sh-activate --quiet",
                          "pyenv sh-activate --quiet (pyenv-virtualenv)"),
                         ("den pyenv virtualenv system NAME",
                          "pyenv virtualenv system NAME (pyenv-virtualenv)")):
        if ours in med:
            print(f"{ours} / {theirs}: {ratio(med[ours], med[theirs], 3)}")


if __name__ == "__main__":
    main()
