#!/usr/bin/env python3
"""Times virtualenvwrapper's everyday commands against den's shell integration.

Usage: python3 bench/workon.py [--envs 50] [--runs 5]

Installs virtualenvwrapper and virtualenv from the Python Package Index into bench/.work/tools,
builds den in release mode, then, for each tool, in a fresh WORKON_HOME and one bash session per
measurement: `mkvirtualenv` of --envs environments, `workon NAME` + `deactivate` over all of them,
and `lsvirtualenv -b`. Timing happens inside bash (EPOCHREALTIME), so shell start-up is not
counted. Prints per-operation medians and den's ratio to virtualenvwrapper.
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


def measure(name, init, python, envs, runs, base_env):
    results = {"mkvirtualenv": [], "workon + deactivate": [], "lsvirtualenv -b": []}
    for run in range(runs):
        home = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=WORK))
        env = dict(base_env, WORKON_HOME=str(home))
        results["mkvirtualenv"] += session(
            init, f'bench {envs} "mkvirtualenv -p {python} env\\$i && deactivate"\n', env)
        results["workon + deactivate"] += session(
            init, f'bench {envs} "workon env\\$i && deactivate"\n', env)
        results["lsvirtualenv -b"] += session(init, f'bench 20 "lsvirtualenv -b"\n', env)
        shutil.rmtree(home, ignore_errors=True)
    return {op: median(t) for op, t in results.items() if t}


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
    medians = {name: measure(name, init, args.python, args.envs, args.runs, dict(base_env, **extra))
               for name, (init, extra) in inits.items()}
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
