#!/usr/bin/env bash
# Live check against the Python Package Index: installs projects that publish only source
# distributions (built by den's PEP 517 frontend, setuptools fetched into an isolated build
# environment), checks they import and that the real pip finds nothing broken; then pins a
# small set with `den pip compile --generate-hashes` and has the real pip install those pins in
# hash-checking mode.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin den
den="$root/target/release/den"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$den" venv "$work/env"
"$den" pip install --python "$work/env" docopt==0.6.2 jsonpath==0.82.2 sgmllib3k==1.0.0
"$work/env/bin/python" -c "import docopt, jsonpath, sgmllib; print('sdist-only projects import')"
"$work/env/bin/python" -m pip check

printf 'requests\nsgmllib3k\n' >"$work/requirements.in"
"$den" pip compile "$work/requirements.in" -o "$work/requirements.txt" --generate-hashes \
    --python "$work/env"
"$den" venv "$work/pinned"
"$work/pinned/bin/python" -m pip install --quiet --require-hashes -r "$work/requirements.txt"
"$work/pinned/bin/python" -m pip check
echo "pip installed den's compiled pins in hash-checking mode"
