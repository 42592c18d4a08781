#!/bin/sh
# Finishes unpacking this environment where its archive was extracted (made by `den pack`):
# run it once, as `<dir>/bin/den-unpack [--python-prefix DIR]`, on a machine without den. It
# writes the new location into the text files that named the old one (listed in
# .den-pack/prefix-files), then removes .den-pack and itself. Everything else in the
# environment already works at any path. With --python-prefix, the base Python is the one
# installed at DIR (DIR/bin/python3.X) instead of where it was on the packing machine. An
# archive packed with --with-python carries its base Python (.den-pack/python names its
# executable in the archive), which runs this step; --python-prefix does not apply to it.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
python_prefix=
case "${1-}" in
    --python-prefix) python_prefix=${2-} ;;
    --python-prefix=*) python_prefix=${1#*=} ;;
    "") ;;
    *) echo "usage: $0 [--python-prefix DIR]" >&2; exit 2 ;;
esac
if [ ! -f "$root/.den-pack/prefix" ]; then
    echo "den-unpack: $root was already unpacked (no .den-pack directory)" >&2
    exit 1
fi
python="$root/bin/python"
if [ -f "$root/.den-pack/python" ]; then
    if [ -n "$python_prefix" ]; then
        echo "den-unpack: this environment carries its own Python (packed with --with-python): --python-prefix does not apply" >&2
        exit 1
    fi
    IFS= read -r carried <"$root/.den-pack/python"
    python="$root/$carried"
fi
if [ -n "$python_prefix" ]; then
    for link in "$root"/bin/*; do
        [ -L "$link" ] || continue
        target=$(readlink "$link")
        case $target in
            /*)
                if [ ! -e "$python_prefix/bin/${target##*/}" ]; then
                    echo "den-unpack: $python_prefix/bin/${target##*/} does not exist: is the base Python installed at $python_prefix?" >&2
                    exit 1
                fi
                ln -sfn "$python_prefix/bin/${target##*/}" "$link"
                ;;
        esac
    done
    while IFS= read -r line; do
        case $line in
            "home = "* | "home="*) printf 'home = %s\n' "$python_prefix/bin" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done <"$root/pyvenv.cfg" >"$root/pyvenv.cfg.den-unpack"
    mv -f "$root/pyvenv.cfg.den-unpack" "$root/pyvenv.cfg"
fi
"$python" -I -c '
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
