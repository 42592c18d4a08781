#!/usr/bin/env python3
"""Times environment creation: den venv beside uv venv, python -m venv and virtualenv.

Usage: python3 bench/venv.py [--python PATH] [--runs N]

Installs uv and virtualenv from the Python Package Index into a scratch environment under
bench/.work/tools, builds den in release mode, warms every tool's cache once, then runs each
scenario N times, interleaved (so machine noise hits every tool alike), and prints the median
wall time of each command and its ratio to uv's. Paste the table into docs/benchmarks.md.
"""

import argparse
import os
import shutil
import subprocess
import time

from common import WORK, den_binary, default_python, machine, median, ratio, setup_tools


def scenarios(python, tools, den):
    den = str(den)
    uv = str(tools / "bin" / "uv")
    venv = str(tools / "bin" / "virtualenv")
    return {
        "no pip": [
            ("den venv --without-pip", [den, "venv", "-q", "--without-pip", "-p", python]),
            ("uv venv", [uv, "venv", "-q", "-p", python]),
            ("python -m venv --without-pip", [python, "-m", "venv", "--without-pip"]),
            ("virtualenv --no-seed", [venv, "-q", "--no-seed", "-p", python]),
        ],
        "with pip": [
            ("den venv", [den, "venv", "-q", "-p", python]),
            ("uv venv --seed", [uv, "venv", "-q", "--seed", "-p", python]),
            ("python -m venv", [python, "-m", "venv"]),
            ("virtualenv", [venv, "-q", "-p", python]),
        ],
    }


def time_once(cmd, target, env):
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(cmd + [str(target)], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python())
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--den", help="den binary to measure [default: a fresh release build]")
    args = parser.parse_args()
    tools = setup_tools(args.python, "uv", "virtualenv")
    den = den_binary(args.den)
    env = dict(os.environ, DEN_CACHE_DIR=str(WORK / "den-cache"), UV_CACHE_DIR=str(WORK / "uv-cache"),
               VIRTUALENV_OVERRIDE_APP_DATA=str(WORK / "virtualenv-data"))
    target = WORK / "env"
    print(f"machine: {machine()}")
    print(f"python: {args.python}; runs: {args.runs} (medians)\n")
    print("| scenario | command | median ms | ratio to uv |")
    print("|---|---|---:|---:|")
    for scenario, commands in scenarios(args.python, tools, den).items():
        for _, cmd in commands:  # warm caches (uv's pip wheel, virtualenv's app-data, den's)
            time_once(cmd, target, env)
        samples = {label: [] for label, _ in commands}
        for _ in range(args.runs):
            for label, cmd in commands:
                samples[label].append(time_once(cmd, target, env))
        medians = {label: median(s) for label, s in samples.items()}
        uv = next(m for label, m in medians.items() if label.startswith("uv"))
        for label, value in medians.items():
            print(f"| {scenario} | `{label}` | {value * 1000:.1f} | {ratio(value, uv)} |")
    shutil.rmtree(target, ignore_errors=True)


if __name__ == "__main__":
    main()
