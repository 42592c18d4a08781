#!/usr/bin/env bash
# Live check against the Python Package Index (issue 14): `den pip compile` pins exactly what
# `uv pip compile` pins, at the same moment, for three sets that make a resolver work: one
# that forces backtracking over a large graph (apache-airflow 2.10.5 with the Google and
# Amazon providers), one where the first-listed requirement must keep its newest version
# (`pyspark[sql]`, `delta-spark`), and one where a dependency's metadata names a pre-release
# nobody asked for (`dbt-core`, `dbt-postgres`). CPython 3.12.1 (pyenv's); uv 0.13.9 from PyPI.
# Pins are compared as normalized `name==version` lines: uv leaves extras off pin lines, den
# writes them as pip-compile does.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# DEN names a den binary to check instead of building one.
if [ -n "${DEN:-}" ]; then
    den=$DEN
else
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin den
    den="$root/target/release/den"
fi
python="${PYENV_ROOT:-$HOME/.pyenv}/versions/3.12.1/bin/python3"
if [ ! -x "$python" ]; then
    echo "error: $python is missing (.ci/run installs CPython 3.12.1 with pyenv)" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Both tools start with empty caches of their own, removed with the rest at exit: pyspark is a
# 450 MB sdist each of them downloads and unpacks.
export DEN_CACHE_DIR="$work/den-cache" UV_CACHE_DIR="$work/uv-cache"
"$python" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --quiet uv==0.13.9
uv="$work/tools/bin/uv"

# The pins of a requirements file: `name==version` per line, names normalized (PEP 503),
# extras and markers dropped, sorted.
pins() {
    grep -E '^[A-Za-z0-9]' "$1" |
        sed -E 's/[[:space:]]*;.*//; s/\[[^]]*\]//; s/[[:space:]].*//' |
        awk -F'==' '{ name = tolower($1); gsub(/[-_.]+/, "-", name); print name "==" $2 }' |
        sort
}

# Both tools on one index (pip's, when configured, else PyPI) and nothing else: the find-links
# and extra indexes of pip's configuration would be den's alone.
index="${PIP_INDEX_URL:-https://pypi.org/simple}"
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL

status=0
check() {
    local name=$1
    shift
    printf '%s\n' "$@" >"$work/$name.in"
    "$den" pip compile -q -p "$python" -i "$index" "$work/$name.in" -o "$work/$name.den.txt"
    "$uv" pip compile -q --python "$python" --index-url "$index" "$work/$name.in" \
        -o "$work/$name.uv.txt"
    if diff <(pins "$work/$name.den.txt") <(pins "$work/$name.uv.txt") >"$work/$name.diff"; then
        echo "$name: den pins what uv pins ($(pins "$work/$name.den.txt" | wc -l) packages)"
    else
        echo "$name: den's pins (<) differ from uv's (>):" >&2
        cat "$work/$name.diff" >&2
        status=1
    fi
}

check airflow apache-airflow==2.10.5 apache-airflow-providers-google \
    apache-airflow-providers-amazon
check spark 'pyspark[sql]' delta-spark
check dbt dbt-core dbt-postgres
exit "$status"
