"""Asks the real pipenv (imported from the interpreter running this script) for the answers
den-pipfile must match. Reads one JSON list of requests on stdin, writes one JSON list of
answers on stdout; an answer is {"ok": value} or {"err": "ExceptionName: message"}."""
import json
import os
import sys
import types


def stub_project(pipfile_path, settings=None, pipenv_python=None):
    s = types.SimpleNamespace(
        PIPENV_PIPFILE=pipfile_path,
        PIPENV_MAX_DEPTH=11,
        PIPENV_PYTHON=pipenv_python,
        PIPENV_CUSTOM_VENV_NAME=None,
    )
    project = types.SimpleNamespace(s=s)
    project.settings = settings or {}
    from pipenv.utils.pipfile import Pipfile

    project.pipfile = Pipfile(project)
    return project


def op_hash(req):
    project = stub_project(req["path"])
    return project.pipfile.calculate_hash()


def op_lock_render(req):
    from pipenv.project import _LockFileEncoder

    s = _LockFileEncoder().encode(req["data"])
    if not s.endswith("\n"):
        s += "\n"
    return s.replace("\n", req.get("newline", "\n"))


def op_marker(req):
    from pipenv.utils.markers import marker_from_specifier

    m = marker_from_specifier(req["spec"])
    return None if m is None else str(m).replace('"', "'")


def op_translate_markers(req):
    from pipenv.utils.dependencies import translate_markers

    return translate_markers(req["entry"]).get("markers")


def op_venv_name(req):
    from pipenv.utils.venv_locator import VenvLocator

    project = stub_project(req["path"], pipenv_python=req.get("python"))
    loc = VenvLocator.__new__(VenvLocator)
    loc._project = project
    sanitized = VenvLocator._sanitize(project.pipfile.name)
    import base64, hashlib

    # _get_virtualenv_hash also looks for a differently-cased twin in WORKON_HOME; the
    # name itself is computed as here.
    return loc.name if req.get("full") else sanitized


def op_add_entry(req):
    project = stub_project(req["path"], settings=req.get("settings"))
    project.pipfile.read()
    from pipenv.utils.dependencies import pep423_name

    entry = req["entry"]
    if isinstance(entry, list):  # key/value pairs, in the order den writes them
        entry = dict(entry)
    project.pipfile.add_entry(req["name"], pep423_name(req["name"]), entry, req["category"])
    with open(req["path"], newline="") as f:
        return f.read()


def op_remove(req):
    project = stub_project(req["path"], settings=req.get("settings"))
    project.pipfile.read()
    project.pipfile.remove_package(req["name"], req["category"])
    with open(req["path"], newline="") as f:
        return f.read()


def op_write_toml(req):
    project = stub_project(req["path"])
    project.pipfile.read()
    import pipenv.vendor.tomlkit as tomlkit

    project.pipfile.write_toml(tomlkit.loads(req["text"]) if "text" in req else req["data"])
    with open(req["path"], newline="") as f:
        return f.read()


def op_pip_line(req):
    from pipenv.utils.dependencies import install_req_from_pipfile

    return install_req_from_pipfile(req["name"], req["entry"])[2]


OPS = {k[3:]: v for k, v in globals().items() if k.startswith("op_")}

answers = []
for req in json.load(sys.stdin):
    try:
        answers.append({"ok": OPS[req["op"]](req)})
    except Exception as e:  # every failure is an answer too
        answers.append({"err": f"{type(e).__name__}: {e}"})
json.dump(answers, sys.stdout)
