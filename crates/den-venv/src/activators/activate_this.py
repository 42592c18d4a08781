"""Activate the den virtual environment inside a running Python interpreter.

Run it with ``exec(open(path).read(), {'__file__': path})``. Afterwards imports find the
environment's packages first, ``sys.prefix`` points at the environment, and processes started
from this interpreter find its scripts first on ``PATH``. It cannot be undone.
"""

import os
import site
import sys

try:
    _here = os.path.abspath(__file__)
except NameError:
    raise AssertionError(
        "activate_this.py needs __file__: run it as exec(open(path).read(), {'__file__': path})"
    )

_bin_dir = os.path.dirname(_here)
_base = os.path.dirname(_bin_dir)

_path = os.environ.get("PATH")
os.environ["PATH"] = os.pathsep.join([_bin_dir, _path]) if _path else _bin_dir
os.environ["VIRTUAL_ENV"] = _base
os.environ["VIRTUAL_ENV_PROMPT"] = {{PROMPT}}

_before = list(sys.path)
site.addsitedir(os.path.join(_base, {{SITE_PACKAGES}}))
# addsitedir appends; the environment's directories must win over the base interpreter's.
sys.path[:] = [entry for entry in sys.path if entry not in _before] + _before

sys.prefix = _base
sys.exec_prefix = _base
