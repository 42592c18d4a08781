"""Shared pieces of the benchmarks in bench/: paths, tool set-up, the den build, timing helpers.

The tools den is compared with (uv, virtualenv, virtualenvwrapper, a current pip) live in one
scratch environment, bench/.work/tools, installed from the Python Package Index on first use.
"""

import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
TOOLS = WORK / "tools"
DEN_RELEASE = ROOT / "target" / "release" / "den"


def sh(*cmd, **kw):
    """Runs a command, raising CalledProcessError if it fails."""
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def default_python():
    """The interpreter the benchmarks use unless told otherwise: pyenv's CPython 3.12.1."""
    pyenv = Path.home() / ".pyenv/versions/3.12.1/bin/python3"
    return str(pyenv if pyenv.exists() else sys.executable)


def setup_tools(python, *requirements):
    """Makes bench/.work/tools (a venv of `python`) and installs the requirements missing from it.

    `requirements` are pip requirement strings; each is installed only when `pip install` would
    change something, so repeated runs do not touch the network once everything is there.
    Returns the tools directory.
    """
    if not (TOOLS / "bin" / "python").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        sh(python, "-m", "venv", TOOLS)
    missing = [r for r in requirements if not satisfied(r)]
    if missing:
        sh(TOOLS / "bin" / "python", "-m", "pip", "install", "-q", "--upgrade", *missing)
    return TOOLS


def satisfied(requirement):
    """Whether the tools environment already satisfies a requirement such as 'pip>=25'."""
    code = ("import sys\nfrom importlib.metadata import version\n"
            "from pip._vendor.packaging.requirements import Requirement\n"
            "r = Requirement(sys.argv[1])\n"
            "try:\n    v = version(r.name)\nexcept Exception:\n    sys.exit(1)\n"
            "sys.exit(0 if r.specifier.contains(v, prereleases=True) else 1)\n")
    return subprocess.run([str(TOOLS / "bin" / "python"), "-c", code, requirement]).returncode == 0


def build_den():
    """Builds den in release mode (`cargo build --release -p den`) and returns the binary's path."""
    sh("cargo", "build", "--release", "-q", "-p", "den", cwd=ROOT)
    return DEN_RELEASE


def den_binary(path):
    """The den binary to measure: `path` (a `--den` option) if given, else a fresh release build.

    workon.py puts its directory on PATH, so the binary must be named `den`.
    """
    return Path(path).resolve() if path else build_den()


def median(samples):
    """The median of a non-empty list of numbers."""
    return statistics.median(samples)


def ratio(value, base, digits=2):
    """`value / base` formatted as '0.42x' (`digits` decimals), or 'n/a' if either is missing/zero."""
    if value is None or not base:
        return "n/a"
    return f"{value / base:.{digits}f}x"


def output(*cmd):
    """A command's standard output, stripped, or '?' if it cannot be run."""
    try:
        return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine():
    """One line describing the machine: CPU model, cores, architecture, kernel, libc."""
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libc = " ".join(platform.libc_ver()).strip() or "?"
    return (f"{model}, {os.cpu_count()} cores, {platform.machine()}, "
            f"{platform.system()} {platform.release()}, {libc}")


def den_commit():
    """The checkout's commit (short hash, '+dirty' if there are uncommitted changes)."""
    head = output("git", "-C", ROOT, "rev-parse", "--short", "HEAD")
    dirty = output("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty not in ("", "?") else "")
