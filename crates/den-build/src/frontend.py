"""den's PEP 517 / PEP 660 hook runner (runs on Python 3.7+).

Usage: python frontend.py HOOK INPUT_JSON OUTPUT_JSON, with the project root as the current
directory. INPUT_JSON holds {"backend": "module:object", "backend_path": [...], "args": [...],
"keep_bytecode": bool}. The backend is imported (backend-path entries first on sys.path, and
then it must come from one of them, PEP 517 "In-tree build backends"), HOOK is called with the
positional args, and OUTPUT_JSON receives {"result": value} or {"unsupported": true} when the
backend lacks HOOK.
With keep_bytecode (den sets it when the interpreter is one of its own build environments)
under PYTHONDONTWRITEBYTECODE, the bytecode of every source module read from inside sys.prefix
(the backend and what its hooks import) is written as Python writes it by default, so the next
hook process in the same environment reads it rather than compiling the backend again. Nothing
is written outside the environment, and sys.dont_write_bytecode keeps its value: the backend
sees the interpreter's setting.
A failure prints a traceback on stderr and exits with status 1; den shows that output.
"""

import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback


def load_backend(spec, backend_path):
    root = os.getcwd()
    paths = [os.path.realpath(os.path.join(root, entry)) for entry in backend_path]
    sys.path[:0] = paths
    module_name, _, object_path = spec.partition(":")
    backend = importlib.import_module(module_name.strip())
    if paths:
        location = os.path.realpath(getattr(backend, "__file__", None) or "")
        if not any(location.startswith(path + os.sep) for path in paths):
            raise ImportError(
                "the build backend {!r} was imported from {!r}, which is not inside its "
                "backend-path {!r} (PEP 517)".format(spec, location, backend_path)
            )
    for attribute in object_path.strip().split("."):
        if attribute:
            backend = getattr(backend, attribute)
    return backend


def keep_bytecode_inside(prefix):
    """Writes the bytecode of source modules found under `prefix` when Python would not
    (sys.dont_write_bytecode), leaving the flag as it is; a no-op where the import system
    lacks what this needs."""
    external = getattr(importlib, "_bootstrap_external", None)
    to_pyc = getattr(external, "_code_to_timestamp_pyc", None)
    loaders = getattr(external, "_get_supported_file_loaders", None)
    # With a pycache prefix the bytecode would go to the user's chosen place: left alone.
    if not sys.dont_write_bytecode or getattr(sys, "pycache_prefix", None):
        return
    if to_pyc is None or loaders is None:
        return
    inside = os.path.join(prefix, "")

    class KeepingLoader(importlib.machinery.SourceFileLoader):
        # Called only when the module is compiled from source (no valid bytecode).
        def source_to_code(self, data, path, **options):
            code = super().source_to_code(data, path, **options)
            try:
                mtime = int(self.path_stats(path)["mtime"])
                cached = importlib.util.cache_from_source(path)
            except (OSError, NotImplementedError, ValueError):
                return code
            self._cache_bytecode(path, cached, to_pyc(code, mtime, len(data)))
            return code

    details = [
        (KeepingLoader if loader is importlib.machinery.SourceFileLoader else loader, suffixes)
        for loader, suffixes in loaders()
    ]

    def finder(path):
        # Directories only (zip files go on to zipimport), as Python's own FileFinder hook.
        directory = os.path.abspath(path or ".")
        if not os.path.join(directory, "").startswith(inside) or not os.path.isdir(directory):
            raise ImportError("not a directory inside the build environment")
        return importlib.machinery.FileFinder(path, *details)

    sys.path_hooks.insert(0, finder)
    sys.path_importer_cache.clear()


def main():
    hook, input_path, output_path = sys.argv[1:4]
    # Running a script puts its own directory first on sys.path; the backend must not see it.
    script_dir = os.path.dirname(os.path.realpath(__file__))
    if sys.path and os.path.realpath(sys.path[0] or ".") == script_dir:
        del sys.path[0]
    with open(input_path, encoding="utf-8") as handle:
        request = json.load(handle)
    if request.get("keep_bytecode"):
        keep_bytecode_inside(sys.prefix)
    backend = load_backend(request["backend"], request["backend_path"])
    function = getattr(backend, hook, None)
    if function is None:
        answer = {"unsupported": True}
    else:
        answer = {"result": function(*request["args"])}
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(answer, handle)


if __name__ == "__main__":
    try:
        main()
    except Exception:
        sys.stdout.flush()
        traceback.print_exc()
        sys.exit(1)
