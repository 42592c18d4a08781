#!/usr/bin/env python3
"""Kills den processes at random moments while others change the same environment, then checks
that every installed file matches its RECORD.

Usage: python3 bench/chaos.py [--kills 200] [--seed N] [--den PATH] [--python PATH]

A loopback index (Python's http.server over a generated PEP 503 tree in bench/.work/chaos)
serves six wheels of 150 modules each in two versions, plus a small one. One environment is made
with `den venv`, a symlink to it and a `..` spelling of its path are the other ways in, and two
caches are used. Each round starts two or four den processes at once, each on one spelling and
one cache, each one of: install (some of the big wheels, at version 1 or 2), uninstall, `pip
sync` of a pinned file, `den venv` over the environment; then sends SIGKILL to one or more of
them after a random 0-600 ms (sometimes a second kill lands on the process that is recovering
from the first). After each round one `den pip check` (which recovers what the kills left) runs
to completion, and the environment is verified:

- every `*.dist-info/RECORD` line with a hash names a file that exists with that size and
  SHA-256 (PEP 376 / PEP 427), no journal or staging directory is left in site-packages,
  pip is importable and `python -m pip --version` runs.

Prints the number of kills, rounds, distributions and files verified, and each failure found.
Exit status 1 when anything was damaged.
"""

import argparse
import base64
import functools
import hashlib
import http.server
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

from common import WORK, default_python, den_binary

BIG = [f"big{i}" for i in range(6)]


def wheel(directory, name, version, files):
    """Writes a pure-Python wheel of `files` ({path: bytes}) into directory/name/."""
    dist_info = f"{name}-{version}.dist-info"
    contents = dict(files)
    contents[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").encode()
    contents[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: chaos\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    record = io.StringIO()
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{path},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    contents[f"{dist_info}/RECORD"] = record.getvalue().encode()
    target = directory / name
    target.mkdir(parents=True, exist_ok=True)
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target / filename, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)


def make_index(root):
    """The simple index: big0..big5 1.0 and 2.0 (150 modules each), tiny 1.0."""
    shutil.rmtree(root, ignore_errors=True)
    for name in BIG:
        for version in ("1.0", "2.0"):
            files = {f"{name}/m{i}.py": f"VALUE = {i!r}  # {version}\n".encode() * 50
                     for i in range(150)}
            files[f"{name}/__init__.py"] = b""
            wheel(root, name, version, files)
    wheel(root, "tiny", "1.0", {"tiny/__init__.py": b"X = 1\n"})
    for project in root.iterdir():
        links = []
        for file in sorted(project.glob("*.whl")):
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            links.append(f'<a href="{file.name}#sha256={digest}">{file.name}</a>')
        (project / "index.html").write_text("<html><body>\n" + "\n".join(links) + "\n</body></html>\n")


def serve(root):
    """Serves `root` on a loopback port from a thread; returns the index URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a killed den drops its connection mid-transfer: expected here

    handler = functools.partial(Quiet, directory=str(root))
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def verify(env):
    """Problems found in `env`: RECORD mismatches, leftovers, a broken pip. Returns
    (problems, distributions checked, files checked)."""
    problems = []
    site = next(env.glob("lib/python*/site-packages"))
    dists = files = 0
    for entry in site.iterdir():
        if entry.name.startswith((".den-journal", ".den-tmp")):
            problems.append(f"left behind: {entry.name}")
        if not entry.name.endswith(".dist-info"):
            continue
        record = entry / "RECORD"
        if not record.is_file():
            problems.append(f"{entry.name} has no RECORD")
            continue
        dists += 1
        for line in record.read_text().splitlines():
            path, _, rest = line.partition(",")
            digest, _, size = rest.partition(",")
            if not digest.startswith("sha256="):
                continue
            target = (site / path).resolve()
            files += 1
            try:
                data = target.read_bytes()
            except OSError as err:
                problems.append(f"{entry.name}: {path}: {err.strerror}")
                continue
            actual = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            if actual.decode() != digest[len("sha256="):] or (size and int(size) != len(data)):
                problems.append(f"{entry.name}: {path} does not match its RECORD")
    pip = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "--version"],
                         capture_output=True)
    if pip.returncode != 0:
        problems.append("python -m pip --version fails: " + pip.stderr.decode()[-200:])
    return problems, dists, files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--den", help="den binary [default: a fresh release build]")
    parser.add_argument("--python", default=default_python())
    args = parser.parse_args()
    rng = random.Random(args.seed)
    den = str(den_binary(args.den))
    work = WORK / "chaos"
    make_index(work / "index")
    url = serve(work / "index")
    env = work / "env"
    shutil.rmtree(env, ignore_errors=True)
    for leftover in ("link", "caches"):
        path = work / leftover
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    base["DEN_INDEX_URL"] = url
    base["PIP_CONFIG_FILE"] = "/dev/null"
    subprocess.run([den, "venv", str(env), "-p", args.python], env=base, check=True,
                   stdout=subprocess.DEVNULL)
    (work / "link").symlink_to(env)
    (work / "sub").mkdir(exist_ok=True)
    spellings = [str(env), str(work / "link"), str(work / "sub" / ".." / "env")]
    caches = [str(work / "caches" / "a"), str(work / "caches" / "b")]
    pins = work / "pins.txt"

    def command():
        where = rng.choice(spellings)
        kind = rng.choice(["install", "install", "uninstall", "sync", "venv"])
        if kind == "install":
            chosen = rng.sample(BIG, rng.randint(1, 4))
            version = rng.choice(["1.0", "2.0"])
            return ["pip", "install", "-p", where, "--link-mode",
                    rng.choice(["copy", "hardlink"]), *[f"{n}=={version}" for n in chosen]]
        if kind == "uninstall":
            return ["pip", "uninstall", "-p", where, "-y", *rng.sample(BIG, rng.randint(1, 3))]
        if kind == "sync":
            chosen = rng.sample(BIG, rng.randint(1, 5))
            pins.write_text("".join(f"{n}=={rng.choice(['1.0', '2.0'])}\n" for n in chosen)
                            + "tiny==1.0\n")
            return ["pip", "sync", "-p", where, str(pins)]
        return ["venv", where, "-p", args.python]

    kills = rounds = checked_dists = checked_files = 0
    failures = []
    start = time.time()
    while kills < args.kills:
        rounds += 1
        processes = []
        for _ in range(rng.choice([2, 2, 4])):
            env_vars = dict(base, DEN_CACHE_DIR=rng.choice(caches))
            processes.append(subprocess.Popen([den, *command()], env=env_vars,
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
        time.sleep(rng.uniform(0, 0.6))
        victims = rng.sample(processes, rng.randint(1, len(processes)))
        for victim in victims:
            if victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
                kills += 1
        # Sometimes kill the next process too while it recovers what the first kill left.
        if rng.random() < 0.3:
            recovering = subprocess.Popen([den, *command()],
                                          env=dict(base, DEN_CACHE_DIR=rng.choice(caches)),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, 0.05))
            if recovering.poll() is None:
                recovering.send_signal(signal.SIGKILL)
                kills += 1
            processes.append(recovering)
        for process in processes:
            process.wait()
        check = subprocess.run([den, "pip", "check", "-p", str(env)],
                               env=dict(base, DEN_CACHE_DIR=caches[0]), capture_output=True,
                               text=True)
        problems, dists, files = verify(env)
        checked_dists += dists
        checked_files += files
        if problems:
            failures.append((rounds, problems[:5], check.stderr[-300:]))
    elapsed = time.time() - start
    print(f"{kills} kills in {rounds} rounds ({elapsed:.0f} s); after each round verified "
          f"{checked_dists} distributions and {checked_files} files in all against their RECORD")
    for round_number, problems, check in failures:
        print(f"round {round_number}: " + "; ".join(problems))
        if check:
            print(f"    den pip check said: {check.strip()}")
    print(f"damaged rounds: {len(failures)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
