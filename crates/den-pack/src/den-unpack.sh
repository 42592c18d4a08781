#!/bin/sh
# Finishes unpacking this environment where its archive was extracted (made by `den pack`):
# run it once, as `<dir>/bin/den-unpack`, on a machine without den. It writes the new location
# into the text files that named the old one (listed in .den-pack/prefix-files), then removes
# .den-pack and itself. Everything else in the environment already works at any path.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
if [ ! -f "$root/.den-pack/prefix" ]; then
    echo "den-unpack: $root was already unpacked (no .den-pack directory)" >&2
    exit 1
fi
"$root/bin/python" -I -c '
import os, sys
root = os.fsencode(sys.argv[1])
meta = os.path.join(root, b".den-pack")
with open(os.path.join(meta, b"prefix"), "rb") as f:
    old = f.read().rstrip(b"\n")
with open(os.path.join(meta, b"prefix-files"), "rb") as f:
    names = [line for line in f.read().split(b"\n") if line]
for name in names:
    path = os.path.join(root, name)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data.replace(old, root))
' "$root"
rm -rf -- "$root/.den-pack"
rm -f -- "$0"
echo "den-unpack: $root is ready"
