#!/usr/bin/env python3
"""Times virtualenvwrapper's everyday commands against den's shell integration.

Usage: python3 bench/workon.py [--envs 50] [--runs 5]

Installs virtualenvwrapper and virtualenv from the Python Package Index into bench/.work/tools,
builds den in release mode, then, run after run, each tool in turn, in a fresh WORKON_HOME and
one bash session per measurement: `mkvirtualenv` of --envs environments, `workon NAME` +
`deactivate` over all of them, and `lsvirtualenv -b`. The WORKON_HOMEs are removed after the
last run. Timing happens inside bash (EPOCHREALTIME), so shell start-up is not counted. Prints
per-operation medians and den's ratio to virtualenvwrapper.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import WORK, den_binary, default_python, median, ratio, setup_tools

# One bash function that times a command N times and prints one duration (seconds) per line.
TIMER = r'''
bench() {  # bench COUNT COMMAND... ; "$i" is the iteration number inside COMMAND
    # Unusual names: the timed functions may set globals such as i (virtualenvwrapper does).
    local __bench_n __bench_start __bench_end
    for ((__bench_n = 0; __bench_n < $1; __bench_n++)); do
        i=$__bench_n
        __bench_start=$EPOCHREALTIME
        eval "${@:2}" >/dev/null 2>&1
        __bench_end=$EPOCHREALTIME
        echo "${__bench_start/./} ${__bench_end/./}"
    done
}
'''


def session(init, body, env):
    script = init + TIMER + body
    out = subprocess.run(["bash", "-c", script], env=env, check=True, capture_output=True,
                         text=True).stdout
    times = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            times.append((int(parts[1]) - int(parts[0])) / 1e6)
    return times


def measure(name, init, python, envs, base_env, results, homes):
    """One run of the three operations for one tool, in a new WORKON_HOME (kept in `homes`:
    removing it here would slow the next tool's run, ext4 being slow to fill directories
    where many files were just deleted); samples are added to `results`."""
    home = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=WORK))
    homes.append(home)
    env = dict(base_env, WORKON_HOME=str(home))
    results["mkvirtualenv"] += session(
        init, f'bench {envs} "mkvirtualenv -p {python} env\\$i && deactivate"\n', env)
    results["workon + deactivate"] += session(
        init, f'bench {envs} "workon env\\$i && deactivate"\n', env)
    results["lsvirtualenv -b"] += session(init, f'bench 20 "lsvirtualenv -b"\n', env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=default_python())
    parser.add_argument("--envs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--den", help="den binary (named `den`) [default: a fresh release build]")
    args = parser.parse_args()
    tools = setup_tools(args.python, "virtualenvwrapper", "virtualenv")
    den_bin = den_binary(args.den).parent
    base_env = dict(os.environ, DEN_CACHE_DIR=str(WORK / "den-cache"),
                    VIRTUALENV_OVERRIDE_APP_DATA=str(WORK / "virtualenv-data"),
                    VIRTUALENVWRAPPER_PYTHON=str(tools / "bin" / "python"),
                    PATH=f"{den_bin}:{tools / 'bin'}:{os.environ['PATH']}")
    base_env.pop("VIRTUAL_ENV", None)
    base_env.pop("VIRTUALENVWRAPPER_VIRTUALENV", None)
    # virtualenvwrapper creates with virtualenv; den with itself (den honours the variable
    # too, so it is set for virtualenvwrapper's run only).
    inits = {
        "virtualenvwrapper": (f"source {tools / 'bin' / 'virtualenvwrapper.sh'}\n",
                              {"VIRTUALENVWRAPPER_VIRTUALENV": str(tools / "bin" / "virtualenv")}),
        "den": ('eval "$(den init bash)"\n', {}),
    }
    # The tools take turns, run after run; every WORKON_HOME is removed after the last run.
    samples = {name: {"mkvirtualenv": [], "workon + deactivate": [], "lsvirtualenv -b": []}
               for name in inits}
    homes = []
    try:
        for _ in range(args.runs):
            for name, (init, extra) in inits.items():
                measure(name, init, args.python, args.envs, dict(base_env, **extra),
                        samples[name], homes)
    finally:
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
    medians = {name: {op: median(t) for op, t in results.items() if t}
               for name, results in samples.items()}
    print(f"{args.envs} environments, {args.runs} runs, python {args.python} (medians, ms)\n")
    print("| operation | virtualenvwrapper | den | ratio den / virtualenvwrapper |")
    print("|---|---:|---:|---:|")
    for op, vw in medians["virtualenvwrapper"].items():
        den = medians["den"].get(op)
        if den is None:
            continue
        print(f"| `{op}` | {vw * 1000:.1f} | {den * 1000:.1f} | {ratio(den, vw, 3)} |")


if __name__ == "__main__":
    main()
