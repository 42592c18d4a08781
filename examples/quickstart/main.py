"""Imports the quickstart's packages and prints the version of each."""

from importlib.metadata import version

import attrs
import flask
import requests
import rich

for module in (requests, flask, rich, attrs):
    name = module.__name__
    print(f"{name:10} {version(name)}")
