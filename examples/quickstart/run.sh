#!/usr/bin/env bash
# Builds den, creates examples/quickstart/.venv, installs requirements.txt from the Python
# Package Index into it, and runs main.py with the environment's Python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin den
den="$root/target/release/den"
"$den" venv --clear "$here/.venv"
"$den" pip install --python "$here/.venv" -r "$here/requirements.txt"
"$here/.venv/bin/python" "$here/main.py"
