"""den's PEP 517 / PEP 660 hook runner (runs on Python 3.7+).

Usage: python frontend.py HOOK INPUT_JSON OUTPUT_JSON, with the project root as the current
directory. INPUT_JSON holds {"backend": "module:object", "backend_path": [...], "args": [...],
"keep_bytecode": bool}. The backend is imported (backend-path entries first on sys.path, and then it must come from
one of them, PEP 517 "In-tree build backends"), HOOK is called with the positional args, and
OUTPUT_JSON receives {"result": value} or {"unsupported": true} when the backend lacks HOOK.
With keep_bytecode (den sets it when the interpreter is one of its own build environments), the
import of the backend writes the bytecode of the modules it reads from inside sys.prefix, even
under PYTHONDONTWRITEBYTECODE: the next hook process in the same environment then reads it
rather than compiling the backend again. Nothing is written outside the environment, and the
hook itself runs with the interpreter's own setting.
A failure prints a traceback on stderr and exits with status 1; den shows that output.
"""

import importlib
import importlib.machinery
import json
import os
import sys
import traceback


def load_backend(spec, backend_path, keep_bytecode):
    root = os.getcwd()
    paths = [os.path.realpath(os.path.join(root, entry)) for entry in backend_path]
    sys.path[:0] = paths
    module_name, _, object_path = spec.partition(":")
    if keep_bytecode and not paths:
        backend = import_keeping_bytecode(module_name.strip())
    else:
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


def import_keeping_bytecode(name):
    """Imports module `name`, caching the bytecode of source files under sys.prefix."""
    loader = importlib.machinery.SourceFileLoader
    original = getattr(loader, "_cache_bytecode", None)
    if original is None:
        return importlib.import_module(name)
    inside = os.path.join(sys.prefix, "")

    def cache_bytecode(self, source_path, bytecode_path, data):
        if source_path.startswith(inside):
            return original(self, source_path, bytecode_path, data)
        return None

    setting = sys.dont_write_bytecode
    loader._cache_bytecode = cache_bytecode
    sys.dont_write_bytecode = False
    try:
        return importlib.import_module(name)
    finally:
        sys.dont_write_bytecode = setting
        loader._cache_bytecode = original


def main():
    hook, input_path, output_path = sys.argv[1:4]
    # Running a script puts its own directory first on sys.path; the backend must not see it.
    script_dir = os.path.dirname(os.path.realpath(__file__))
    if sys.path and os.path.realpath(sys.path[0] or ".") == script_dir:
        del sys.path[0]
    with open(input_path, encoding="utf-8") as handle:
        request = json.load(handle)
    backend = load_backend(
        request["backend"], request["backend_path"], request.get("keep_bytecode", False)
    )
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
