#!/usr/bin/env python3
"""Times a wheelhouse for two platforms: one `den pip download` beside `pip download` run once per
platform (pip resolves for one platform per run).

Usage: python3 bench/download.py [--runs N] [--input I] [--platform P]... [--den PATH]
                                 [--python PATH] [--index-url URL]

The pins of bench/inputs/<input>.txt (default jupyter, ~100 pins) for CPython 3.12 on
manylinux_2_28_x86_64 and macosx_11_0_arm64 (`--platform`, repeatable; pip's linux run also
names manylinux_2_17_x86_64 and manylinux2014_x86_64, since pip reads a PEP 600 tag literally),
wheels only
(`--only-binary :all:`, which pip's rule requires with `--platform`). Warm caches: one untimed
run of each tool fills its cache (DEN_CACHE_DIR / PIP_CACHE_DIR under bench/.work/download) first;
every timed run saves into a new empty directory, so each file is written. pip is a current pip
from bench/.work/tools; PIP_FIND_LINKS is dropped for both tools.

Prints the machine, the tool versions and a markdown table of median wall times and den's ratio
to pip's total.
"""

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

from common import (DEN_RELEASE, ROOT, WORK, build_den, default_python, den_commit, machine,
                    median, output, ratio, setup_tools)

PYPI = "https://pypi.org/simple"
PLATFORMS = ("manylinux_2_28_x86_64", "macosx_11_0_arm64")
# pip takes a manylinux_2_28 platform tag literally (it expands only the legacy aliases and
# macOS versions), so its run for that platform names the older manylinux tags too, as users
# of `pip download` do; den's platform accepts every older tag of its family by itself.
PIP_PLATFORMS = {
    "manylinux_2_28_x86_64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64",
                              "manylinux2014_x86_64"],
}


def run(cmd, env):
    """Runs `cmd` quietly; returns its wall time. Raises RuntimeError if it fails."""
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited with {proc.returncode}:\n"
                           f"{proc.stderr.decode(errors='replace')}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python(), help="interpreter for pip")
    parser.add_argument("--runs", type=int, default=5, help="timed runs")
    parser.add_argument("--input", default="jupyter", choices=("jupyter", "webapp"))
    parser.add_argument("--platform", action="append", help="platform tag (repeatable)")
    parser.add_argument("--den", help=f"den binary [default: {DEN_RELEASE}]")
    parser.add_argument("--index-url", default=PYPI, help="index both tools use")
    args = parser.parse_args()
    platforms = args.platform or list(PLATFORMS)
    pins = ROOT / "bench" / "inputs" / f"{args.input}.txt"

    tools = setup_tools(args.python, "pip>=25")
    den = Path(args.den) if args.den else (DEN_RELEASE if DEN_RELEASE.exists() else build_den())
    pip = [str(tools / "bin" / "python"), "-m", "pip"]
    scratch = WORK / "download"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIP_FIND_LINKS")}
    env["DEN_CACHE_DIR"] = str(scratch / "den-cache")
    env["PIP_CACHE_DIR"] = str(scratch / "pip-cache")
    target = ["--python-version", "3.12", "--only-binary", ":all:"]

    def den_cmd(dest):
        platform_args = [a for p in platforms for a in ("--platform", p)]
        return [den, "pip", "download", "-q", "-p", args.python, "-i", args.index_url,
                *platform_args, *target, "-d", dest, "-r", pins]

    def pip_cmd(dest, platform):
        platform_args = [a for p in PIP_PLATFORMS.get(platform, [platform])
                         for a in ("--platform", p)]
        return [*pip, "download", "-q", "--index-url", args.index_url, *platform_args,
                *target, "-d", dest, "-r", pins]

    def fresh(name):
        path = scratch / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    samples = {"den": [], "pip": []}
    for timed_run in [False] + [True] * args.runs:
        den_s = run(den_cmd(fresh("den-house")), env)
        pip_house = fresh("pip-house")
        pip_s = sum(run(pip_cmd(pip_house, p), env) for p in platforms)
        if timed_run:
            samples["den"].append(den_s)
            samples["pip"].append(pip_s)
    files = {t: len(list((scratch / f"{t}-house").iterdir())) for t in ("den", "pip")}

    print(f"machine: {machine()}")
    print(f"den: {den} ({output(den, '--version')}, checkout {den_commit()}); "
          f"{output(*pip, '--version').split(' from ')[0]}; index: {args.index_url}")
    print(f"input: {args.input}; platforms: {', '.join(platforms)}; runs: {args.runs}; medians\n")
    print("| input | platforms | den s (one run) | pip s (one run per platform) | den/pip "
          "| den files | pip files |")
    print("|---|---|---:|---:|---:|---:|---:|")
    den_m, pip_m = median(samples["den"]), median(samples["pip"])
    print(f"| {args.input} | {len(platforms)} | {den_m:.3f} | {pip_m:.3f} | {ratio(den_m, pip_m)} "
          f"| {files['den']} | {files['pip']} |")
    shutil.rmtree(scratch / "den-house", ignore_errors=True)
    shutil.rmtree(scratch / "pip-house", ignore_errors=True)


if __name__ == "__main__":
    main()
