"""A tiny in-tree PEP 517 / PEP 660 build backend for den's tests (Python 3.7+).

It reads den_test_backend.json from the project root (the hooks' working directory):
  name, version   the distribution
  metadata        the METADATA text to write
  files           project files copied into the wheel at the same relative paths
  requires        what get_requires_for_build_wheel/_editable return
  fail            hook names that raise after printing a message
  missing         hook names this module does not define
Every hook call is appended to den_test_backend.log, so tests can see which hooks ran: the
hook's name, followed by its config_settings as JSON when the frontend passed any.
"""

import base64
import hashlib
import json
import os
import re
import zipfile

with open("den_test_backend.json", encoding="utf-8") as _handle:
    CONFIG = json.load(_handle)

_STEM = "{}-{}".format(re.sub(r"[-_.]+", "_", CONFIG["name"]).lower(), CONFIG["version"])
_DIST_INFO = _STEM + ".dist-info"
_WHEEL = "Wheel-Version: 1.0\nGenerator: den_test_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _enter(hook, config_settings=None):
    with open("den_test_backend.log", "a", encoding="utf-8") as log:
        if config_settings is None:
            log.write(hook + "\n")
        else:
            log.write(hook + " " + json.dumps(config_settings, sort_keys=True) + "\n")
    if hook in CONFIG["fail"]:
        print("den_test_backend: about to fail in " + hook)
        raise RuntimeError("den_test_backend was configured to fail in " + hook)


def _write_wheel(directory, members):
    members = members + [
        (_DIST_INFO + "/METADATA", CONFIG["metadata"].encode("utf-8")),
        (_DIST_INFO + "/WHEEL", _WHEEL.encode("utf-8")),
    ]
    record = []
    for path, data in members:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append("{},sha256={},{}".format(path, digest.decode("ascii"), len(data)))
    record.append(_DIST_INFO + "/RECORD,,")
    members.append((_DIST_INFO + "/RECORD", ("\n".join(record) + "\n").encode("utf-8")))
    filename = _STEM + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in members:
            wheel.writestr(path, data)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    _enter("get_requires_for_build_wheel", config_settings)
    return list(CONFIG["requires"])


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _enter("prepare_metadata_for_build_wheel", config_settings)
    target = os.path.join(metadata_directory, _DIST_INFO)
    os.makedirs(target)
    with open(os.path.join(target, "METADATA"), "w", encoding="utf-8") as handle:
        handle.write(CONFIG["metadata"])
    with open(os.path.join(target, "WHEEL"), "w", encoding="utf-8") as handle:
        handle.write(_WHEEL)
    return _DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _enter("build_wheel", config_settings)
    members = []
    for path in CONFIG["files"]:
        with open(path, "rb") as handle:
            members.append((path, handle.read()))
    return _write_wheel(wheel_directory, members)


def get_requires_for_build_editable(config_settings=None):
    _enter("get_requires_for_build_editable", config_settings)
    return list(CONFIG["requires"])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _enter("build_editable", config_settings)
    pth = (os.path.abspath(".") + "\n").encode("utf-8")
    return _write_wheel(wheel_directory, [("__editable__." + _STEM + ".pth", pth)])


for _hook in CONFIG["missing"]:
    globals().pop(_hook, None)
