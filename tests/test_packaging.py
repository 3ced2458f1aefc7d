"""The installed package carries its data: datasets, templates and rules live in the wheel;
the set-up commands in the docs work on a fresh system."""

import json
import re
from importlib import metadata

import pytest


def _installed_files():
    try:
        dist = metadata.distribution("chaingraph")
    except metadata.PackageNotFoundError:
        pytest.skip("chaingraph is not installed (running from a bare checkout)")
    direct = dist.read_text("direct_url.json")
    if direct and json.loads(direct).get("dir_info", {}).get("editable"):
        pytest.skip("editable install: data files are read from the checkout")
    return {str(f) for f in dist.files or []}


@pytest.mark.parametrize(
    "path",
    [
        "chaingraph/_datasets/shandong-nev/firms.csv",
        "chaingraph/_datasets/shandong-nev/links.csv",
        "chaingraph/_datasets/shandong-cnc/firms.csv",
        "chaingraph/_datasets/germany-1995-6/README.md",
        "chaingraph/chain_templates/nev.toml",
        "chaingraph/rules/miit-2022.toml",
    ],
)
def test_wheel_contains_data(path):
    assert path in _installed_files()


@pytest.mark.parametrize("doc", ["README.md", "CONTRIBUTING.md"])
def test_set_up_commands_use_python3(doc):
    # Debian and Ubuntu have no `python` command unless python-is-python3 is installed
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / doc).read_text(encoding="utf-8")
    bare = [line for line in text.splitlines() if re.search(r"(^|[\s`(])python -m\b", line)]
    assert bare == [], f"{doc}: use python3 -m: {bare}"
