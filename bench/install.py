#!/usr/bin/env python3
"""Times installing and resolving: den beside `uv pip` and pip, with `cp -al` as the floor.

Usage: python3 bench/install.py [--runs N] [--cold-runs N] [--scenario S]... [--input I]...
                                [--tool T]... [--den PATH] [--python PATH] [--index-url URL]

Inputs (bench/inputs/): jupyter.txt (the ~100 pins `jupyter` resolves to) and webapp.txt (~30
pins from webapp.in) for the install scenarios; sdist.txt (ten projects built from source) for
sdist-cold; airflow.in for resolve-hard. Scenarios, same base interpreter, same index URL:

  warm          install the pins into a new venv with both tools' defaults; caches filled by an
                untimed warm-up round (den keeps index pages fresh for 10 minutes, uv
                revalidates them, pip asks the index)
  warm-offline  the same with `--offline` (den and uv only): installing alone, no index
  cold          the same with empty caches: a new DEN_CACHE_DIR / UV_CACHE_DIR / PIP_CACHE_DIR
  noop          install the pins again into the venv the warm run filled
  resolve       resolution only, warm caches: `den pip compile X.in -o out`, `uv pip compile
                X.in -o out`, pip's `install --dry-run --ignore-installed --report out -r X.in`
  sdist-cold    install sdist.txt (den and uv) into a new venv from empty caches: every
                project and its build backend come from the index, every wheel is built
  resolve-hard  `den pip compile` / `uv pip compile` of airflow.in, warm caches (not run
                unless asked for with --scenario)
  floor         `cp -al` of the venv the warm run filled into a new directory (one thread):
                the time to make the installed tree's directories and links, nothing else

Every run goes into a new directory (venvs, caches, outputs); all of them are removed at the end,
outside the clock (on ext4 a directory re-made where one was just deleted is slow to fill, which
would time the previous run's removal). Runs are interleaved: each round runs every scenario for
every tool in turn, so machine and network noise hits all alike; cold and sdist-cold run in the
first --cold-runs rounds only. Target venvs are made before the clock starts (`python -m venv
--without-pip`). pip runs from bench/.work/tools as `python -m pip --python VENV/bin/python
install --no-compile`: den and uv do not write bytecode either, and `--python` re-runs pip under
the venv's interpreter, which costs pip one interpreter start (~40 ms) that den and uv spend on
their interpreter query instead. pip's cold cache is an empty directory rather than
--no-cache-dir: den and uv also write what they download into their cache.

Prints the machine, the tool versions and a markdown table per input and scenario: median wall
time with min-max, den's ratios to uv, pip and the floor (uv's too), and median peak memory (max
RSS of the command and the children it waited for, from os.wait4's rusage). A command that fails
is reported on stderr and counted in the table's `fail` column instead of timed. den is
target/release/den (built with `cargo build --release -p den` if missing) unless --den is given.
"""

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (DEN_RELEASE, ROOT, WORK, build_den, default_python, den_commit, machine,
                    median, output, ratio, setup_tools)

INPUTS = ROOT / "bench" / "inputs"
SCENARIOS = ("warm", "warm-offline", "cold", "noop", "resolve", "sdist-cold", "resolve-hard",
             "floor")
DEFAULT_SCENARIOS = tuple(s for s in SCENARIOS if s != "resolve-hard")
# Scenarios of the pinned inputs, run per input; the others have an input of their own.
PIN_SCENARIOS = ("warm", "warm-offline", "cold", "noop", "resolve", "floor")
OWN_INPUT = {"sdist-cold": "sdist", "resolve-hard": "airflow"}
# Which tools take part in each scenario (pip has no offline mode against an index, and the
# sdist and airflow comparisons are between den and uv).
SCENARIO_TOOLS = {"warm-offline": ("den", "uv"), "sdist-cold": ("den", "uv"),
                  "resolve-hard": ("den", "uv"), "floor": ("cp",)}
TOOL_NAMES = ("den", "uv", "pip")
COLD = ("cold", "sdist-cold")
PYPI = "https://pypi.org/simple"


class Tools:
    """The command lines per scenario, for one base interpreter and index."""

    def __init__(self, den, tools, python, index):
        self.den = str(den)
        self.uv = str(tools / "bin" / "uv")
        self.pip = [str(tools / "bin" / "python"), "-m", "pip"]
        self.python = python
        self.index = index

    def env(self, tool, cache):
        """The environment for one tool's run with its cache in `cache` (PIP_FIND_LINKS dropped:
        pip would scan the directory it names, which den and uv know nothing of)."""
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIP_FIND_LINKS")}
        if tool in ("den", "uv", "pip"):
            env[{"den": "DEN_CACHE_DIR", "uv": "UV_CACHE_DIR", "pip": "PIP_CACHE_DIR"}[tool]] = \
                str(cache)
        return env

    def install(self, tool, venv, pins, offline=False):
        py = str(venv / "bin" / "python")
        if tool == "den":
            return ([self.den, "pip", "install", "-q", "-p", str(venv), "-i", self.index, "-r",
                     pins] + (["--offline"] if offline else []))
        if tool == "uv":
            return ([self.uv, "pip", "install", "-q", "--python", py, "--index-url", self.index,
                     "-r", pins] + (["--offline"] if offline else []))
        return self.pip + ["--python", py, "install", "-q", "--no-compile", "--index-url",
                           self.index, "-r", pins]

    def resolve(self, tool, venv, source, out):
        if tool == "den":
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


class Bench:
    """Runs the scenarios of one input, interleaved, and collects samples[(scenario, tool)] =
    [(s, MiB)] and failures[(scenario, tool)] = count. Every run gets new directories under
    `scratch`, removed by the caller after all runs."""

    def __init__(self, tools, name, scenarios, only, scratch):
        self.tools = tools
        self.only = only
        self.scenarios = scenarios
        self.pins = str(INPUTS / f"{name}.txt")
        self.source = str(INPUTS / f"{name}.in")
        self.scratch = scratch / name
        self.scratch.mkdir(parents=True)
        self.warm_cache = {t: self.scratch / f"cache-{t}" for t in TOOL_NAMES}
        self.fresh = itertools.count()
        self.samples = {}
        self.failures = {}
        self.filled = {}  # tool -> the venv its last warm run filled

    def new_dir(self, what):
        """A path no earlier run used."""
        return self.scratch / f"{what}-{next(self.fresh)}"

    def venv(self):
        path = self.new_dir("venv")
        subprocess.run([self.tools.python, "-m", "venv", "--without-pip", str(path)], check=True)
        return path

    def run_one(self, scenario, tool, cmd, env, timed_run):
        """Times `cmd` into samples if `timed_run`; a failure is counted (and shown on stderr)."""
        try:
            sample = timed(cmd, env)
        except RuntimeError as err:
            print(f"{scenario}/{tool}: {err}", file=sys.stderr)
            self.failures[(scenario, tool)] = self.failures.get((scenario, tool), 0) + 1
            return False
        if timed_run:
            self.samples.setdefault((scenario, tool), []).append(sample)
        return True

    def scenario(self, scenario, tool, timed_run):
        t = self.tools
        if scenario in ("warm", "warm-offline"):
            venv = self.venv()
            cmd = t.install(tool, venv, self.pins, offline=scenario == "warm-offline")
            if self.run_one(scenario, tool, cmd, t.env(tool, self.warm_cache[tool]), timed_run):
                if scenario == "warm":
                    self.filled[tool] = venv
        elif scenario == "noop" and tool in self.filled:
            cmd = t.install(tool, self.filled[tool], self.pins)
            self.run_one(scenario, tool, cmd, t.env(tool, self.warm_cache[tool]), timed_run)
        elif scenario in COLD:
            cache = self.new_dir(f"cold-cache-{tool}")
            cmd = t.install(tool, self.venv(), self.pins)
            self.run_one(scenario, tool, cmd, t.env(tool, cache), timed_run)
        elif scenario in ("resolve", "resolve-hard"):
            out = self.new_dir(f"resolved-{tool}")
            cmd = t.resolve(tool, self.filled.get(tool) or self.venv(), self.source, str(out))
            self.run_one(scenario, tool, cmd, t.env(tool, self.warm_cache[tool]), timed_run)
        elif scenario == "floor" and self.filled:
            tree = self.filled.get("den") or next(iter(self.filled.values()))
            cmd = ["cp", "-al", tree, self.new_dir("floor")]
            self.run_one(scenario, "cp", cmd, t.env("cp", None), timed_run)

    def run(self, runs, cold_runs):
        """An untimed warm-up (the warm caches filled, and a venv for noop and the floor), then
        rounds of every scenario for every tool in turn: cold ones in the first `cold_runs`
        rounds, the others in the first `runs`."""
        warm_up = [s for s in self.scenarios if s not in COLD]
        if warm_up:
            first = "resolve-hard" if warm_up == ["resolve-hard"] else "warm"
            for tool in self.only:
                if tool in SCENARIO_TOOLS.get(first, TOOL_NAMES):
                    self.scenario(first, tool, timed_run=False)
        for i in range(max(runs, cold_runs)):
            for scenario in self.scenarios:
                if i >= (cold_runs if scenario in COLD else runs):
                    continue
                for tool in SCENARIO_TOOLS.get(scenario, TOOL_NAMES):
                    if tool in self.only or tool == "cp":
                        self.scenario(scenario, tool, timed_run=True)
        return self.samples, self.failures


def spread(samples, index):
    """'median (min-max)' of one field of the samples, or None."""
    if not samples:
        return None
    values = [s[index] for s in samples]
    return median(values), min(values), max(values)


def rows(name, scenarios, samples, failures):
    floor = spread(samples.get(("floor", "cp")), 0)
    for scenario in scenarios:
        if scenario == "floor":
            yield (f"| {name} | floor (`cp -al`) | {seconds(floor)} | | | | | | | | | | |")
            continue
        secs = {t: spread(samples.get((scenario, t)), 0) for t in TOOL_NAMES}
        mib = {t: spread(samples.get((scenario, t)), 1) for t in TOOL_NAMES}
        med = {t: secs[t] and secs[t][0] for t in TOOL_NAMES}
        base = floor[0] if floor and scenario in ("warm", "warm-offline") else None
        failed = sum(failures.get((scenario, t), 0) for t in TOOL_NAMES)
        yield (f"| {name} | {scenario} | "
               + " | ".join(seconds(secs[t]) for t in TOOL_NAMES)
               + f" | {ratio(med['den'], med['uv'])} | {ratio(med['den'], med['pip'])} | "
               + f"{ratio(med['den'], base)} | {ratio(med['uv'], base)} | "
               + " | ".join("n/a" if mib[t] is None else f"{mib[t][0]:.0f}" for t in TOOL_NAMES)
               + f" | {failed or ''} |")


def seconds(cell):
    if cell is None:
        return "n/a"
    mid, low, high = cell
    return f"{mid:.3f} ({low:.3f}-{high:.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python(), help="base interpreter")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the warm scenarios")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="timed runs of cold and sdist-cold")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="only this scenario (repeatable; floor needs warm)")
    parser.add_argument("--input", action="append", choices=("jupyter", "webapp"),
                        help="only this pinned input (repeatable)")
    parser.add_argument("--tool", action="append", choices=TOOL_NAMES,
                        help="only this tool (repeatable; the others show n/a)")
    parser.add_argument("--den", help=f"den binary [default: {DEN_RELEASE}]")
    parser.add_argument("--index-url", default=PYPI, help="index all three tools use")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if s in (args.scenario or DEFAULT_SCENARIOS)]
    pinned = [s for s in scenarios if s in PIN_SCENARIOS]
    benches = [(name, pinned) for name in (args.input or ["jupyter", "webapp"]) if pinned]
    benches += [(OWN_INPUT[s], [s]) for s in scenarios if s in OWN_INPUT]

    tools_dir = setup_tools(args.python, "uv", "pip>=25")
    den = Path(args.den) if args.den else (DEN_RELEASE if DEN_RELEASE.exists() else build_den())
    tools = Tools(den, tools_dir, args.python, args.index_url)
    print(f"machine: {machine()}")
    print(f"python: {args.python} ({output(args.python, '--version')}); index: {args.index_url}")
    print(f"den: {den} ({output(den, '--version')}, checkout {den_commit()}); "
          f"{output(tools.uv, '--version')}; {output(*tools.pip, '--version').split(' from ')[0]}")
    print(f"runs: {args.runs} (warm, warm-offline, noop, resolve, floor), {args.cold_runs} "
          "(cold, sdist-cold); medians (min-max)\n")
    print("| input | scenario | den s | uv s | pip s | den/uv | den/pip | den/floor | uv/floor "
          "| den MiB | uv MiB | pip MiB | fail |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    only = [t for t in TOOL_NAMES if t in (args.tool or TOOL_NAMES)]
    scratch = WORK / "install"
    shutil.rmtree(scratch, ignore_errors=True)  # an interrupted earlier run's, before any clock
    try:
        for name, bench_scenarios in benches:
            bench = Bench(tools, name, bench_scenarios, only, scratch)
            samples, failures = bench.run(args.runs, args.cold_runs)
            for row in rows(name, bench_scenarios, samples, failures):
                print(row, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
