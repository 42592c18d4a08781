#!/usr/bin/env python3
"""Trims uv's download-metadata.json to what den ships, and writes it gzipped.

den ships CPython's python-build-standalone `install_only` / `install_only_stripped`
archives (`.tar.gz`) for linux x86_64/aarch64 (gnu and musl) and macOS x86_64/aarch64,
default variant only (no debug or free-threaded builds: those are `.tar.zst` `full`
archives den does not unpack yet). Entries are kept exactly in uv's format, so a full
uv file given through DEN_PYTHON_DOWNLOADS_JSON_URL works as well.

Refresh (PyPI works where GitHub does not):

    pip download --no-deps --no-binary :all: --no-build-isolation uv   # or: fetch the sdist URL
    tar xzf uv-*.tar.gz --wildcards '*/download-metadata.json'
    python3 trim-download-metadata.py uv-*/crates/uv-python-managed/download-metadata.json

(older uv releases keep it at crates/uv-python/download-metadata.json).
"""

import gzip
import json
import sys
from pathlib import Path

source = Path(sys.argv[1])
out = Path(__file__).with_name("download-metadata.json.gz")
data = json.loads(source.read_text())
kept = {
    key: entry
    for key, entry in data.items()
    if entry["name"] == "cpython"
    and entry["os"] in ("linux", "darwin")
    and entry["arch"]["family"] in ("x86_64", "aarch64")
    and entry["arch"]["variant"] is None
    and entry["libc"] in ("gnu", "musl", "none")
    and entry["variant"] is None
    and entry["url"].endswith(".tar.gz")
}
text = json.dumps(kept, indent=2) + "\n"
# mtime=0: the same input gives the same bytes.
out.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
print(f"{len(kept)} of {len(data)} entries -> {out} ({out.stat().st_size} bytes)")
