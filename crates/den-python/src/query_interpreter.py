# Prints the facts den needs about the running interpreter as one JSON object on stdout.
#
# den runs this once per interpreter (then caches the answer), with `python -E -s -c <script>`.
# It must run unchanged on Python 2.7 and every Python 3, so that old interpreters are identified
# and rejected with a clear message instead of failing with a syntax error: no f-strings, no
# keyword-only arguments, nothing newer than the 2.7 standard library.
#
# Its cost is mostly imports, so on CPython on Linux and macOS it reads what `platform` would
# read (os.uname(), sys.version) and writes its JSON itself: `platform` and `json` (with the
# `re` they import) would double its run time on Linux. On macOS `platform` is imported all
# the same for `mac_ver()` (the wheel platform tag), so only `json` is spared there.
# Elsewhere it asks them.
import os
import struct
import sys
import sysconfig

# The platforms where `platform.uname()` is `os.uname()` unchanged.
UNAME_PLATFORMS = ("linux", "darwin")


def config_flag(name):
    """Whether the build-time config variable `name` is set to a true value."""
    return bool(sysconfig.get_config_var(name))


def normalize_tag(text):
    return text.replace("-", "_").replace(".", "_").replace(" ", "_")


def full_version(info):
    """`sys.version_info` as a PEP 440 version: 3.12.1, 3.13.0rc1, 3.14.0a2."""
    version = "%d.%d.%d" % (info[0], info[1], info[2])
    level = info[3]
    if level != "final":
        version += {"alpha": "a", "beta": "b", "candidate": "rc"}.get(level, level) + str(info[4])
    return version


def abi_tag(implementation):
    """The interpreter's own ABI tag as `packaging.tags` derives it, or "none"."""
    soabi = sysconfig.get_config_var("SOABI")
    if implementation == "cpython":
        version = "%d%d" % sys.version_info[:2]
        flags = ""
        if config_flag("Py_GIL_DISABLED"):
            flags += "t"
        if config_flag("Py_DEBUG") or hasattr(sys, "gettotalrefcount"):
            flags += "d"
        if sys.version_info < (3, 8) and config_flag("WITH_PYMALLOC"):
            flags += "m"
        if sys.version_info < (3, 3) and sysconfig.get_config_var("Py_UNICODE_SIZE") == 4:
            flags += "u"
        return "cp" + version + flags
    if not soabi:
        ext_suffix = sysconfig.get_config_var("EXT_SUFFIX") or ""
        parts = ext_suffix.split(".")
        soabi = parts[1] if len(parts) > 2 else ""
    if not soabi:
        return "none"
    # PyPy: "pypy310-pp73-x86_64-linux-gnu" -> "pypy310_pp73";
    # GraalPy: "graalpy240-310-native-x86_64-linux" -> "graalpy240_310_native".
    parts = 3 if soabi.startswith("graalpy") else 2
    return normalize_tag("-".join(soabi.split("-")[:parts]))


def elf_interpreter(path):
    """The PT_INTERP program header (the dynamic loader) of an ELF file, or None."""
    try:
        with open(path, "rb") as f:
            header = f.read(64)
            if header[:4] != b"\x7fELF":
                return None
            is64 = header[4:5] == b"\x02"
            endian = "<" if header[5:6] == b"\x01" else ">"
            if is64:
                phoff, = struct.unpack(endian + "Q", header[32:40])
                phentsize, phnum = struct.unpack(endian + "HH", header[54:58])
                # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz
                layout, offset_at, size_at = endian + "IIQQQQ", 2, 5
            else:
                phoff, = struct.unpack(endian + "I", header[28:32])
                phentsize, phnum = struct.unpack(endian + "HH", header[42:46])
                # p_type, p_offset, p_vaddr, p_paddr, p_filesz
                layout, offset_at, size_at = endian + "IIIII", 1, 4
            for index in range(phnum):
                f.seek(phoff + index * phentsize)
                entry = struct.unpack(layout, f.read(struct.calcsize(layout)))
                if entry[0] == 3:  # PT_INTERP
                    f.seek(entry[offset_at])
                    loader = f.read(entry[size_at]).rstrip(b"\x00")
                    return loader.decode("ascii", "replace")
    except (IOError, OSError, struct.error, ValueError):
        return None
    return None


def musl_version(executable):
    """(major, minor) of musl when this interpreter is linked against it, else None."""
    loader = elf_interpreter(executable)
    if not loader or "musl" not in loader:
        return None
    import subprocess

    try:
        process = subprocess.Popen([loader], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = process.communicate()
    except OSError:
        return None
    for line in err.decode("ascii", "replace").splitlines():
        words = line.strip().split()
        if len(words) == 2 and words[0] == "Version":
            numbers = words[1].split(".")
            try:
                return [int(numbers[0]), int(numbers[1])]
            except (IndexError, ValueError):
                return None
    return None


def linux_platform(pointer_size):
    parts = normalize_tag(sysconfig.get_platform()).split("_", 1)
    arch = parts[1] if len(parts) == 2 else host()["machine"]
    if pointer_size == 32:
        # A 32-bit interpreter on a 64-bit kernel installs 32-bit wheels.
        arch = {"x86_64": "i686", "aarch64": "armv7l"}.get(arch, arch)
    libc = None
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        major, minor = version.split(".")[:2]
        if name == "glibc":
            libc = {"kind": "glibc", "major": int(major), "minor": int(minor)}
    except (AttributeError, ValueError, OSError):
        libc = None
    if libc is None:
        musl = musl_version(sys.executable)
        if musl:
            libc = {"kind": "musl", "major": musl[0], "minor": musl[1]}
    return {"os": "linux", "arch": arch, "libc": libc}


def wheel_platform(pointer_size):
    if sys.platform.startswith("linux"):
        return linux_platform(pointer_size)
    if sys.platform == "darwin":
        import platform

        machine = platform.machine()
        if pointer_size == 32 and machine == "x86_64":
            machine = "i386"
        release = (platform.mac_ver()[0] + ".0").split(".")
        try:
            major, minor = int(release[0]), int(release[1])
        except ValueError:
            # No readable macOS version: fall back to the build's deployment target.
            return {"os": "other", "tag": normalize_tag(sysconfig.get_platform())}
        return {"os": "macos", "arch": machine, "major": major, "minor": minor}
    return {"os": "other", "tag": normalize_tag(sysconfig.get_platform())}


def in_venv():
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix)


def scheme_paths(prefix=None):
    """The install scheme of this interpreter's prefix (a venv's own when run inside one);
    with `prefix`, that of a venv there (sys.prefix must be set to it, as in the venv)."""
    venv = in_venv() or prefix is not None
    # The venv's prefix is passed, since older sysconfig keeps the prefix it was imported with.
    variables = {"base": prefix, "platbase": prefix} if prefix else None
    names = sysconfig.get_scheme_names()
    if venv and "venv" in names:
        paths = sysconfig.get_paths(scheme="venv", vars=variables)
    elif venv:
        scheme = "nt" if os.name == "nt" else "posix_prefix"
        paths = sysconfig.get_paths(scheme=scheme, vars=variables)
    else:
        paths = sysconfig.get_paths()
    keys = ("purelib", "platlib", "scripts", "data", "include", "stdlib")
    return dict((key, os.path.abspath(paths[key])) for key in keys)


def site_dirs(prefixes=None):
    """The global site-packages directories `site` puts on sys.path (Debian's dist-packages
    too; a venv's own, plus its base's when it includes system site-packages); with
    `prefixes`, those of these prefixes."""
    import site

    getsitepackages = getattr(site, "getsitepackages", None)
    if getsitepackages is None:
        return []
    found = getsitepackages() if prefixes is None else getsitepackages(prefixes)
    return [os.path.abspath(path) for path in found]


# Where a virtual environment's prefix stands in `venv_template`'s paths.
VENV_PREFIX = "/__den_venv_prefix__"


def venv_template():
    """What a virtual environment made from this interpreter (PEP 405; its prefix written as
    VENV_PREFIX) would report as its scheme paths and site-packages directories, without and
    with system site-packages: the functions above run with sys.prefix set as `site` sets it
    in a venv, so distributions' changes to them (Debian's) apply. CPython on POSIX only."""
    import site

    saved = (sys.prefix, sys.exec_prefix)
    base_prefixes = list(getattr(site, "PREFIXES", []))
    sys.prefix = sys.exec_prefix = VENV_PREFIX
    try:
        return {
            "paths": scheme_paths(VENV_PREFIX),
            "site_dirs": site_dirs([VENV_PREFIX]),
            "system_site_dirs": site_dirs([VENV_PREFIX] + base_prefixes),
        }
    finally:
        sys.prefix, sys.exec_prefix = saved


def base_executable():
    """The interpreter a venv was created from; sys.executable outside a venv."""
    executable = getattr(sys, "_base_executable", None) or sys.executable
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    if base_prefix == sys.prefix:
        return executable
    if not executable.startswith(sys.prefix + os.sep):
        return executable
    # Before 3.11 a venv reports its own executable; look for the base one by name.
    bindir = "Scripts" if os.name == "nt" else "bin"
    names = [
        os.path.basename(sys.executable),
        "python%d.%d" % sys.version_info[:2],
        "python%d" % sys.version_info[0],
    ]
    for name in names:
        candidate = os.path.join(base_prefix, bindir, name)
        if os.path.isfile(candidate):
            return candidate
    return executable


def host():
    """platform.system(), release(), version(), machine() and python_implementation() and
    python_version() (PEP 508's platform_* and python_full_version markers)."""
    implementation = getattr(sys, "implementation", None)
    fast = (
        implementation is not None
        and implementation.name == "cpython"
        and sys.platform.startswith(UNAME_PLATFORMS)
    )
    if not fast:
        import platform

        return {
            "system": platform.system(),
            "release": platform.release(),
            "version": platform.version(),
            "machine": platform.machine(),
            "implementation": platform.python_implementation(),
            "python_version": platform.python_version(),
        }
    uname = os.uname()
    # platform's reading of sys.version: its first word, with ".0" added to a bare "X.Y".
    version = sys.version.split()[0]
    if len(version.split(".")) == 2:
        version += ".0"
    return {
        "system": uname[0],
        "release": uname[2],
        "version": uname[3],
        "machine": uname[4],
        "implementation": "CPython",
        "python_version": version,
    }


# JSON string escapes for the characters JSON requires escaped (json.dumps' ASCII output).
ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def to_json(value):
    """`value` (dicts with string keys, lists, strings, ints, bools, None) as JSON text, as
    `json.dumps` writes it (non-ASCII as \\uXXXX escapes, surrogate pairs beyond the BMP)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = []
        for char in value:
            code = ord(char)
            if char in ESCAPES:
                out.append(ESCAPES[char])
            elif 0x20 <= code < 0x7F:
                out.append(char)
            elif code > 0xFFFF:
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)))
            else:
                out.append("\\u%04x" % code)
        return '"' + "".join(out) + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(to_json(k) + ": " + to_json(v) for k, v in value.items()) + "}"
    return "[" + ", ".join(to_json(item) for item in value) + "]"


def main():
    implementation = getattr(sys, "implementation", None)
    facts_of_host = host()
    implementation_name = implementation.name if implementation else facts_of_host["implementation"].lower()
    if implementation:
        implementation_version = full_version(implementation.version)
    else:
        implementation_version = "0"
    pointer_size = struct.calcsize("P") * 8
    facts = {
        "executable": sys.executable,
        "base_executable": base_executable(),
        "implementation_name": implementation_name,
        "implementation_display": facts_of_host["implementation"],
        "version": full_version(sys.version_info),
        "major": sys.version_info[0],
        "minor": sys.version_info[1],
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
        "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
        "paths": scheme_paths(),
        "site_dirs": site_dirs(),
        "abi_tag": abi_tag(implementation_name),
        "platform": wheel_platform(pointer_size),
        "pointer_size": pointer_size,
        "gil_disabled": config_flag("Py_GIL_DISABLED"),
        "markers": {
            "implementation_name": implementation_name,
            "implementation_version": implementation_version,
            "os_name": os.name,
            "platform_machine": facts_of_host["machine"],
            "platform_python_implementation": facts_of_host["implementation"],
            "platform_release": facts_of_host["release"],
            "platform_system": facts_of_host["system"],
            "platform_version": facts_of_host["version"],
            "python_full_version": facts_of_host["python_version"].rstrip("+"),
            "python_version": "%d.%d" % sys.version_info[:2],
            "sys_platform": sys.platform,
        },
    }
    # Last: it changes sys.prefix for a moment, and sysconfig may re-read its variables then.
    if implementation_name == "cpython" and os.name == "posix" and not in_venv():
        if sys.version_info[0] >= 3:
            facts["venv"] = venv_template()
    if sys.version_info[0] < 3:
        import json

        text = json.dumps(facts)
    else:
        text = to_json(facts)
    sys.stdout.write(text)
    sys.stdout.write("\n")


main()
