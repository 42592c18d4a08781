#!/usr/bin/env python3
"""Times `den pipenv` beside pipenv (and `uv pip sync` for installing the same pins).

Usage: python3 bench/pipenv.py [--runs N] [--cold-runs N] [--project P]... [--den PATH]
                               [--python PATH]

Projects (bench/inputs/pipenv-*/Pipfile): webapp (about 30 locked packages) and datascience
(about 100). pipenv 2026.10.3 and uv come from PyPI into bench/.work/tools. Scenarios, each run
for every tool in turn (interleaved, so machine and network noise hits them alike), against
PyPI, with the same base interpreter:

  lock-warm  `pipenv lock` / `den pipenv lock` with the lock removed first; caches filled by an
             untimed run
  lock-cold  the same with empty caches (new PIPENV_CACHE_DIR + PIP_CACHE_DIR / DEN_CACHE_DIR)
  sync       `pipenv sync --dev` / `den pipenv sync --dev`, warm caches, each tool's project
             environment removed first so `sync` creates it and installs every pin; and the
             same with uv: `uv venv --seed` then `uv pip sync` of `den pipenv requirements
             --dev --hash`, both timed
  run        `den pipenv run python -c pass` against `python -c pass` in the same environment

Prints the machine, the versions and a markdown table of medians with min-max, and den's
ratios. den is target/release/den (built if missing) unless --den is given.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import (ROOT, WORK, den_binary, default_python, den_commit, machine, median,
                    output, ratio, setup_tools)

PROJECTS = ("webapp", "datascience")


def timed(cmd, env, cwd):
    start = time.perf_counter()
    subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


class Bench:
    """One project's scratch directories and the tools' environments."""

    def __init__(self, name, den, tools, python):
        self.name = name
        self.den = den
        self.tools = tools
        self.python = python
        self.root = WORK / f"pipenv-{name}"
        shutil.rmtree(self.root, ignore_errors=True)
        self.dirs = {}
        for tool in ("pipenv", "den"):
            directory = self.root / tool
            directory.mkdir(parents=True)
            shutil.copy(ROOT / "bench" / "inputs" / f"pipenv-{name}" / "Pipfile", directory)
            self.dirs[tool] = directory
        self.caches(warm=True)

    def caches(self, warm):
        """Points the tools at the shared warm caches, or at new empty ones."""
        base = self.root / "caches" if warm else Path(tempfile.mkdtemp(dir=self.root))
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PIPENV_", "VIRTUAL_ENV", "PIP_FIND_LINKS"))}
        self.env.update(
            WORKON_HOME=str(self.root / "virtualenvs"),
            PIPENV_CACHE_DIR=str(base / "pipenv"),
            PIP_CACHE_DIR=str(base / "pip"),
            DEN_CACHE_DIR=str(base / "den"),
            UV_CACHE_DIR=str(base / "uv"),
            PIPENV_YES="1",
            PIPENV_NOSPIN="1",
            PIPENV_VENV_IN_PROJECT="1",
        )

    def command(self, tool, *args):
        if tool == "pipenv":
            return [self.tools / "bin" / "pipenv", *args]
        return [self.den, "pipenv", *args]

    def lock(self, tool):
        (self.dirs[tool] / "Pipfile.lock").unlink(missing_ok=True)
        return timed(self.command(tool, "--python", self.python, "lock"), self.env,
                     self.dirs[tool])

    def sync(self, tool):
        shutil.rmtree(self.dirs[tool] / ".venv", ignore_errors=True)
        return timed(self.command(tool, "--python", self.python, "sync", "--dev"), self.env,
                     self.dirs[tool])

    def uv_sync(self):
        requirements = self.root / "requirements.txt"
        if not requirements.exists():
            text = subprocess.run([str(c) for c in self.command("den", "requirements", "--dev",
                                                                  "--hash")],
                                  env=self.env, cwd=self.dirs["den"], check=True,
                                  capture_output=True, text=True).stdout
            requirements.write_text(text)
        venv = self.root / "uv-venv"
        shutil.rmtree(venv, ignore_errors=True)
        # What `den pipenv sync` does in one step: make the environment (with pip, as
        # pipenv's have it), then install the pins.
        uv = self.tools / "bin" / "uv"
        start = time.perf_counter()
        for cmd in ([uv, "venv", "--seed", "-q", "--python", self.python, venv],
                    [uv, "pip", "sync", "-q", "--python", venv / "bin" / "python", requirements]):
            subprocess.run([str(c) for c in cmd], env=self.env, cwd=self.root, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    def run_overhead(self):
        python = self.dirs["den"] / ".venv" / "bin" / "python"
        direct = timed([python, "-c", "pass"], self.env, self.dirs["den"])
        through = timed(self.command("den", "run", "python", "-c", "pass"), self.env,
                        self.dirs["den"])
        return direct, through


def row(name, samples, base=None):
    if not samples:
        return f"| {name} | n/a | | |"
    med = median(samples)
    text = f"| {name} | {med:.3f} | {min(samples):.3f}-{max(samples):.3f} |"
    return text + (f" {ratio(med, median(base), 3)} |" if base else " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--project", action="append", choices=PROJECTS)
    parser.add_argument("--den", help="den binary [default: a fresh release build]")
    parser.add_argument("--python", default=default_python())
    args = parser.parse_args()
    den = den_binary(args.den)
    tools = setup_tools(args.python, "pipenv==2026.10.3", "uv")
    print(f"machine: {machine()}")
    print(f"den {den_commit()}, {output(tools / 'bin' / 'pipenv', '--version')}, "
          f"{output(tools / 'bin' / 'uv', '--version')}, python {args.python}\n")
    print("| project / scenario / tool | median s | min-max s | den / other |")
    print("|---|---:|---:|---:|")
    for name in args.project or PROJECTS:
        bench = Bench(name, den, tools, args.python)
        samples = {key: [] for key in ("lock-warm pipenv", "lock-warm den", "lock-cold pipenv",
                                       "lock-cold den", "sync pipenv", "sync den", "sync uv",
                                       "run python", "run den")}
        for tool in ("pipenv", "den"):  # untimed: fill the caches, make the environments
            bench.lock(tool)
            bench.sync(tool)
        for _ in range(args.cold_runs):
            for tool in ("pipenv", "den"):
                bench.caches(warm=False)
                samples[f"lock-cold {tool}"].append(bench.lock(tool))
        bench.caches(warm=True)
        for _ in range(args.runs):
            for tool in ("pipenv", "den"):
                samples[f"lock-warm {tool}"].append(bench.lock(tool))
                samples[f"sync {tool}"].append(bench.sync(tool))
            samples["sync uv"].append(bench.uv_sync())
            direct, through = bench.run_overhead()
            samples["run python"].append(direct)
            samples["run den"].append(through)
        for scenario in ("lock-warm", "lock-cold", "sync"):
            print(row(f"{name} {scenario} pipenv", samples[f"{scenario} pipenv"]))
            print(row(f"{name} {scenario} den", samples[f"{scenario} den"],
                      samples[f"{scenario} pipenv"]))
        print(row(f"{name} sync uv pip sync", samples["sync uv"]))
        print(row(f"{name} sync den (vs uv)", samples["sync den"], samples["sync uv"]))
        print(row(f"{name} python -c pass", samples["run python"]))
        print(row(f"{name} den pipenv run python -c pass", samples["run den"],
                  samples["run python"]))


if __name__ == "__main__":
    main()
