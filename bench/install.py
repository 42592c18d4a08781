#!/usr/bin/env python3
"""Times installing and resolving: den beside `uv pip` and pip, on two pinned inputs.

Usage: python3 bench/install.py [--runs N] [--cold-runs N] [--scenario S]... [--input I]...
                                [--tool T]... [--den PATH] [--python PATH] [--index-url URL]

Inputs (bench/inputs/): jupyter.txt (the ~100 pins `jupyter` resolves to) and webapp.txt (~30
pins from webapp.in). Scenarios, each run for den, uv and pip in turn (interleaved, so machine
and network noise hits all three alike), same base interpreter, same index URL:

  warm     install the pins into a fresh venv; caches filled by an untimed warm-up run
  cold     the same with empty caches: a new DEN_CACHE_DIR / UV_CACHE_DIR / PIP_CACHE_DIR
  resolve  resolution only, warm caches: `den pip compile X.in -o out`, `uv pip compile X.in -o
           out`, pip's `install --dry-run --ignore-installed --report out -r X.in`
  noop     install the pins again into the venv the warm run filled

Target venvs are made before the clock starts (`python -m venv --without-pip`). pip runs from
bench/.work/tools as `python -m pip --python VENV/bin/python install --no-compile`: den and uv do
not write bytecode either, and `--python` re-runs pip under the venv's interpreter, which costs pip
one interpreter start (~40 ms) that den and uv spend on their (cached) interpreter query instead.
Every cold run gets fresh empty cache directories for all three tools (pip's is not turned off
with --no-cache-dir: den and uv also write what they download into their cache).

Prints the machine, the tool versions and a markdown table of median wall times, den's ratios to
uv and pip, and median peak memory (max RSS of the command and the children it waited for, from
os.wait4's rusage). den is target/release/den (built with `cargo build --release -p den` if
missing) unless --den is given.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import (DEN_RELEASE, ROOT, WORK, build_den, default_python, den_commit, machine,
                    median, output, ratio, setup_tools)

INPUTS = ROOT / "bench" / "inputs"
SCENARIOS = ("warm", "cold", "resolve", "noop")
TOOL_NAMES = ("den", "uv", "pip")
PYPI = "https://pypi.org/simple"


class Tools:
    """The three command lines per scenario, for one base interpreter and index."""

    def __init__(self, den, tools, python, index):
        self.den = str(den)
        self.uv = str(tools / "bin" / "uv")
        self.pip = [str(tools / "bin" / "python"), "-m", "pip"]
        self.python = python
        self.index = index
        self.den_compiles = subprocess.run([self.den, "pip", "compile", "--help"],
                                           capture_output=True).returncode == 0

    def env(self, tool, cache):
        """The environment for one tool's run with its cache in `cache` (PIP_FIND_LINKS dropped:
        pip would scan the directory it names, which den and uv know nothing of)."""
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIP_FIND_LINKS")}
        env[{"den": "DEN_CACHE_DIR", "uv": "UV_CACHE_DIR", "pip": "PIP_CACHE_DIR"}[tool]] = str(cache)
        return env

    def install(self, tool, venv, pins):
        py = str(venv / "bin" / "python")
        if tool == "den":
            return [self.den, "pip", "install", "-q", "-p", str(venv), "-i", self.index, "-r", pins]
        if tool == "uv":
            return [self.uv, "pip", "install", "-q", "--python", py, "--index-url", self.index,
                    "-r", pins]
        return self.pip + ["--python", py, "install", "-q", "--no-compile", "--index-url",
                           self.index, "-r", pins]

    def resolve(self, tool, venv, source, out):
        """None when this den build has no `pip compile` yet."""
        if tool == "den":
            if not self.den_compiles:
                return None
            return [self.den, "pip", "compile", "-q", "-p", self.python, "-i", self.index, source,
                    "-o", out]
        if tool == "uv":
            return [self.uv, "pip", "compile", "-q", "--python", self.python, "--index-url",
                    self.index, source, "-o", out]
        return self.pip + ["--python", str(venv / "bin" / "python"), "install", "-q", "--dry-run",
                           "--ignore-installed", "--report", out, "--index-url", self.index,
                           "-r", source]


def timed(cmd, env):
    """Runs `cmd`; returns (wall seconds, peak RSS in MiB). Raises RuntimeError if it fails."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], env=env, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(map(str, cmd))} exited with {proc.returncode}:\n"
                               f"{err.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def fresh_venv(python, path):
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


class Bench:
    """Runs the scenarios of one input and collects samples[(scenario, tool)] = [(s, MiB)]."""

    def __init__(self, tools, name, scenarios, only):
        self.tools = tools
        self.only = only
        self.pins = str(INPUTS / f"{name}.txt")
        self.source = str(INPUTS / f"{name}.in")
        self.scenarios = scenarios
        self.scratch = WORK / "install"
        self.warm_cache = {t: WORK / "install-cache" / t for t in TOOL_NAMES}
        self.samples = {}

    def record(self, scenario, tool, cmd, env):
        if cmd is None:
            return
        self.samples.setdefault((scenario, tool), []).append(timed(cmd, env))

    def round(self, timed_run):
        """One run of every selected scenario for every tool; untimed if not `timed_run`."""
        for tool in self.only:
            venv = fresh_venv(self.tools.python, self.scratch / f"env-{tool}")
            env = self.tools.env(tool, self.warm_cache[tool])
            install = self.tools.install(tool, venv, self.pins)
            if timed_run and "warm" in self.scenarios:
                self.record("warm", tool, install, env)
            elif "warm" in self.scenarios or "noop" in self.scenarios:
                timed(install, env)  # fills the warm cache, or the venv for noop
            if timed_run and "noop" in self.scenarios:
                self.record("noop", tool, install, env)
            if "resolve" in self.scenarios:
                out = self.scratch / f"resolved-{tool}"
                out.unlink(missing_ok=True)  # an existing output's pins would be reused
                cmd = self.tools.resolve(tool, venv, self.source, str(out))
                if timed_run:
                    self.record("resolve", tool, cmd, env)
                elif cmd is not None:
                    timed(cmd, env)

    def cold_round(self):
        for tool in self.only:
            venv = fresh_venv(self.tools.python, self.scratch / f"env-{tool}")
            cache = Path(tempfile.mkdtemp(prefix=f"cold-{tool}-", dir=self.scratch))
            try:
                self.record("cold", tool, self.tools.install(tool, venv, self.pins),
                            self.tools.env(tool, cache))
            finally:
                shutil.rmtree(cache, ignore_errors=True)

    def run(self, runs, cold_runs):
        self.scratch.mkdir(parents=True, exist_ok=True)
        if set(self.scenarios) - {"cold"}:
            self.round(timed_run=False)
            for _ in range(runs):
                self.round(timed_run=True)
        if "cold" in self.scenarios:
            for _ in range(cold_runs):
                self.cold_round()
        shutil.rmtree(self.scratch, ignore_errors=True)
        return self.samples


def rows(name, scenarios, samples):
    for scenario in scenarios:
        secs, mib = {}, {}
        for tool in TOOL_NAMES:
            got = samples.get((scenario, tool))
            secs[tool] = median([s for s, _ in got]) if got else None
            mib[tool] = median([m for _, m in got]) if got else None
        yield (f"| {name} | {scenario} | "
               + " | ".join(cell(secs[t], "{:.3f}") for t in TOOL_NAMES)
               + f" | {ratio(secs['den'], secs['uv'])} | {ratio(secs['den'], secs['pip'])} | "
               + " | ".join(cell(mib[t], "{:.0f}") for t in TOOL_NAMES) + " |")


def cell(value, fmt):
    return "n/a" if value is None else fmt.format(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python(), help="base interpreter")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of warm/resolve/noop")
    parser.add_argument("--cold-runs", type=int, default=3, help="timed runs of cold")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="only this scenario (repeatable)")
    parser.add_argument("--input", action="append", choices=("jupyter", "webapp"),
                        help="only this input (repeatable)")
    parser.add_argument("--tool", action="append", choices=TOOL_NAMES,
                        help="only this tool (repeatable; the others show n/a)")
    parser.add_argument("--den", help=f"den binary [default: {DEN_RELEASE}]")
    parser.add_argument("--index-url", default=PYPI, help="index all three tools use")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if s in (args.scenario or SCENARIOS)]
    inputs = args.input or ["jupyter", "webapp"]

    tools_dir = setup_tools(args.python, "uv", "pip>=25")
    den = Path(args.den) if args.den else (DEN_RELEASE if DEN_RELEASE.exists() else build_den())
    tools = Tools(den, tools_dir, args.python, args.index_url)
    print(f"machine: {machine()}")
    print(f"python: {args.python} ({output(args.python, '--version')}); index: {args.index_url}")
    print(f"den: {den} ({output(den, '--version')}, checkout {den_commit()}"
          f"{'' if tools.den_compiles else '; no `den pip compile` in this build'}); "
          f"{output(tools.uv, '--version')}; {output(*tools.pip, '--version').split(' from ')[0]}")
    print(f"runs: {args.runs} (warm, resolve, noop), {args.cold_runs} (cold); medians\n")
    print("| input | scenario | den s | uv s | pip s | den/uv | den/pip "
          "| den MiB | uv MiB | pip MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in inputs:
        only = [t for t in TOOL_NAMES if t in (args.tool or TOOL_NAMES)]
        samples = Bench(tools, name, scenarios, only).run(args.runs, args.cold_runs)
        for row in rows(name, scenarios, samples):
            print(row, flush=True)


if __name__ == "__main__":
    main()
