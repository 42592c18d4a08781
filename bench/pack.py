#!/usr/bin/env python3
"""Times packing and unpacking an environment: den pack / den unpack beside venv-pack and tar.

Usage: python3 bench/pack.py [--python PATH] [--runs N] [--den PATH]

Installs venv-pack from the Python Package Index into bench/.work/tools, builds den in release
mode, makes one environment with den from bench/inputs/jupyter.txt (the jupyter pins, about
13,000 files; PyPI the first time, den's cache after), then runs each command N times,
interleaved, and prints median wall times and ratios: packing against `venv-pack` and against
`tar czf` of the same directory (the floor), unpacking against `tar xzf`.
"""

import argparse
import os
import shutil
import subprocess
import time

from common import ROOT, WORK, den_binary, default_python, machine, median, ratio, setup_tools


def timed(cmd, env, before=None):
    if before:
        before()
    start = time.perf_counter()
    subprocess.run([str(c) for c in cmd], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--den", help="den binary to measure [default: a fresh release build]")
    args = parser.parse_args()
    tools = setup_tools(args.python, "venv-pack")
    den = den_binary(args.den)
    env = dict(os.environ, DEN_CACHE_DIR=str(WORK / "den-cache"))
    source = WORK / "pack-env"
    if not (source / "pyvenv.cfg").exists():
        subprocess.run([den, "venv", "-q", "-p", args.python, source], check=True, env=env)
        subprocess.run([den, "pip", "install", "-q", "-p", source, "-r",
                        ROOT / "bench" / "inputs" / "jupyter.txt"], check=True, env=env)
    files = sum(len(f) for _, _, f in os.walk(source))
    out = WORK / "pack-out"
    dest = WORK / "pack-dest"

    def fresh_out():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)

    def fresh_dest():
        shutil.rmtree(dest, ignore_errors=True)

    def fresh_dest_dir():
        fresh_dest()
        dest.mkdir(parents=True)

    packing = {
        "den pack (.tar.gz)": ([den, "pack", source, "-o", out / "env.tar.gz"], fresh_out),
        "den pack (.tar.zst)": ([den, "pack", source, "-o", out / "env.tar.zst"], fresh_out),
        "venv-pack (.tar.gz)": ([tools / "bin" / "venv-pack", "-p", source, "-o",
                                 out / "env.tar.gz", "-q"], fresh_out),
        "tar czf": (["tar", "czf", out / "env.tar.gz", "-C", source, "."], fresh_out),
    }
    fresh_out()
    subprocess.run([den, "pack", source, "-o", WORK / "bench-env.tar.gz"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    unpacking = {
        "den unpack": ([den, "unpack", WORK / "bench-env.tar.gz", dest], fresh_dest),
        "tar xzf": (["tar", "xzf", WORK / "bench-env.tar.gz", "-C", dest], fresh_dest_dir),
    }
    print(f"machine: {machine()}")
    print(f"environment: jupyter pins, {files} files; runs: {args.runs} (medians)\n")
    print("| command | median s | ratio to venv-pack | ratio to tar |")
    print("|---|---:|---:|---:|")
    for group in (packing, unpacking):
        samples = {label: [] for label in group}
        for _ in range(args.runs):
            for label, (cmd, before) in group.items():
                samples[label].append(timed(cmd, env, before))
        medians = {label: median(s) for label, s in samples.items()}
        base = medians.get("venv-pack (.tar.gz)")
        tar = medians.get("tar czf") or medians.get("tar xzf")
        for label, value in medians.items():
            to_vp = ratio(value, base) if base else ""
            print(f"| `{label}` | {value:.2f} | {to_vp} | {ratio(value, tar)} |")
    fresh_out()
    fresh_dest()


if __name__ == "__main__":
    main()
