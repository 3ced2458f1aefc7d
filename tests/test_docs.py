"""The documentation's own code (docs/_ext/): what it takes from the repository.

The site itself is built, with warnings as errors, by ``.ci/run``; these tests check the
pieces that decide what goes on it, and run wherever Sphinx is installed
(``pip install ".[docs]"``).
"""

import importlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

api_pages = importlib.import_module("api_pages")
repo_pages = importlib.import_module("repo_pages")
glossary_links = importlib.import_module("glossary_links")
offline_check = importlib.import_module("offline_check")


def docs_config() -> dict:
    """The values docs/conf.py sets."""
    namespace = {"__file__": str(ROOT / "docs" / "conf.py")}
    exec((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"), namespace)
    return namespace


README = """# project

Intro line.

## Set up

```bash
## not a heading: a comment in a code block
pip install .
```

## Your data

Tables.

### Chain maps

Presence.

#### Deeper

Shares.

## Datasets

Data.
"""


def test_readme_section_ends_at_the_next_level_two_heading():
    body = repo_pages.readme_section(README, "Set up")
    assert body == "```bash\n## not a heading: a comment in a code block\npip install .\n```\n"


def test_readme_section_moves_its_subheadings_up_one_level():
    body = repo_pages.readme_section(README, "Your data")
    assert body == "Tables.\n\n## Chain maps\n\nPresence.\n\n### Deeper\n\nShares.\n"


def test_readme_intro_and_a_missing_section():
    assert repo_pages.readme_section(README, None) == "Intro line.\n"
    with pytest.raises(Exception, match="no section '## Gone'.*Set up"):
        repo_pages.readme_section(README, "Gone")


def test_every_readme_section_the_docs_show_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for title in docs_config()["readme_sections"].values():
        assert repo_pages.readme_section(text, title).strip(), title


def test_every_public_name_has_an_api_group():
    groups = docs_config()["api_groups"]
    homeless = [name for name in api_pages.public_names()
                if api_pages.group_of(name, api_pages.defining_module(name), groups) is None]
    assert not homeless, f"add their modules to api_groups in docs/conf.py: {homeless}"


def test_group_of_takes_the_longest_module_prefix_and_named_names():
    groups = [{"page": "a", "modules": ["chaingraph"]},
              {"page": "b", "modules": ["chaingraph.analysis.weak"]},
              {"page": "c", "modules": [], "names": ["gaps"]}]
    assert api_pages.group_of("weak_links", "chaingraph.analysis.weak", groups)["page"] == "b"
    assert api_pages.group_of("x", "chaingraph.analysis.weakness", groups)["page"] == "a"
    assert api_pages.group_of("gaps", "chaingraph.analysis.gaps", groups)["page"] == "c"
    assert api_pages.group_of("x", "other", groups) is None


def test_references_by_another_path_or_to_internal_objects():
    import chaingraph

    assert api_pages.lookup("chaingraph.analysis.weak.weak_links") is chaingraph.weak_links
    assert api_pages.public_name_of(chaingraph.analysis.weak.weak_links) == "weak_links"
    assert api_pages.public_name_of(chaingraph.analysis.leads.DEFAULT_LEAD_WEIGHTS) is None
    assert api_pages.lookup("chaingraph.analysis.leads.NO_SUCH_NAME") is api_pages._MISSING
    assert api_pages.lookup("numpy.sum") is api_pages._MISSING


def test_glossary_terms_are_linked_once_each_longest_first():
    import re

    from docutils import nodes

    pattern = re.compile("专精特新中小企业|专精特新|链主")
    linked = set()
    pieces = glossary_links.linked_pieces("链主 and 专精特新中小企业, 专精特新, 链主", pattern,
                                          linked, lambda term: nodes.strong(term, term))
    assert [(type(p).__name__, p.astext()) for p in pieces] == [
        ("strong", "链主"), ("Text", " and "), ("strong", "专精特新中小企业"), ("Text", ", "),
        ("strong", "专精特新"), ("Text", ", 链主")]
    assert glossary_links.linked_pieces("链主 again", pattern, linked, None) == []


@pytest.mark.parametrize("html, remote", [
    ('<script src="https://cdn.example.com/x.js"></script>', True),
    ("<link rel='stylesheet' href='//fonts.example.com/css'>", True),
    ('<img alt="" src="http://example.com/a.png">', True),
    ('<iframe src="gallery/report.html"></iframe>', False),
    ('<a href="https://doi.org/10.1038/s41598-022-11522-z">paper</a>', False),
    ('<link rel="canonical" href="https://example.com/">', False),
    ('<script src="_static/furo.js"></script>', False),
])
def test_offline_check_finds_what_a_page_loads_from_the_web(html, remote):
    assert bool(offline_check.remote_loads(html, offline_check.HTML_LOADS)) == remote


def test_offline_check_reads_stylesheets():
    assert offline_check.remote_loads("@import url(https://fonts.example.com/a.css);",
                                      offline_check.CSS_LOADS)
    assert not offline_check.remote_loads("a { background: url(img/x.png) }",
                                          offline_check.CSS_LOADS)
