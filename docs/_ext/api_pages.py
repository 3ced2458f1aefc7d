"""The API reference, generated from ``chaingraph.__all__``.

When the configuration is read (before Sphinx lists the source files), this writes
``docs/api/index.rst`` and one page per group of ``api_groups`` (conf.py) with an
autosummary table of the group's public names; autosummary then writes one page per name
(``docs/api/generated/``). A name goes to the group that lists
its module (or a parent package of it), or that lists the name itself. A public name in no
group, and a public name that ends the build without a page, are warnings, so with
``-W`` the build fails and no public name goes undocumented.

Cross-references in docstrings (``:func:`weak_links```, ``:data:`DEFAULT_LEAD_WEIGHTS```)
are resolved against the module that defines the docstring too: a reference to a public
object by any of its paths links to its page; one to an object that exists but is not
public (a module constant, a kernel) is shown as code without a link; one that names
nothing stays a warning.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from generated_files import sync_folder

logger = logging.getLogger(__name__)

PACKAGE = "chaingraph"


def public_names() -> list[str]:
    import chaingraph

    return list(chaingraph.__all__)


def defining_module(name: str) -> str:
    import chaingraph

    obj = getattr(chaingraph, name)
    return getattr(obj, "__module__", None) or PACKAGE


def group_of(name: str, module: str, groups: list[dict]) -> dict | None:
    """The group listing ``name``, else the one listing the longest prefix of ``module``."""
    for group in groups:
        if name in group.get("names", ()):
            return group
    best, best_len = None, -1
    for group in groups:
        for prefix in group.get("modules", ()):
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = group, len(prefix)
    return best


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def group_page(group: dict, names: list[str]) -> str:
    lines = [_title(group["title"]), "", group.get("intro", ""), "",
             f".. currentmodule:: {PACKAGE}", "",
             ".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
    lines += [f"   {name}" for name in names]
    return "\n".join(lines) + "\n"


def index_page(groups: list[dict], extra: list[str]) -> str:
    lines = [_title("API reference"), "",
             "Everything ``import chaingraph as cg`` gives (``chaingraph.__all__``), "
             "grouped by the question it answers; every name has a page with its formula, "
             "the columns it returns, its references and an example. The command line is "
             "the last part.", "",
             ".. toctree::", "   :maxdepth: 2", ""]
    lines += [f"   {group['page']}" for group in groups] + [f"   {doc}" for doc in extra]
    return "\n".join(lines) + "\n"


def write_api_pages(app: Sphinx, config=None) -> None:
    groups = app.config.api_groups
    members: dict[str, list[str]] = {group["page"]: [] for group in groups}
    for name in public_names():
        module = defining_module(name)
        group = group_of(name, module, groups)
        if group is None:
            logger.warning(
                "chaingraph.%s (defined in %s) is public but in no API group: add %s to a "
                "group's modules in api_groups, docs/conf.py", name, module, module,
                type="chaingraph", subtype="api")
            continue
        members[group["page"]].append(name)
    folder = Path(app.srcdir) / "api"
    used = [group for group in groups if members[group["page"]]]
    pages = {f"{group['page']}.rst": group_page(group, members[group["page"]]) for group in used}
    pages["index.rst"] = index_page(used, app.config.api_extra_pages)
    sync_folder(folder, pages, "*.rst")
    # autosummary writes a page per name into generated/; those of names no longer public
    # would be orphans
    for stub in (folder / "generated").glob("*.rst"):
        if stub.stem.removeprefix(f"{PACKAGE}.") not in public_names():
            stub.unlink()


def check_every_name_documented(app: Sphinx, env) -> None:
    documented = env.get_domain("py").objects
    for name in public_names():
        if f"{PACKAGE}.{name}" not in documented:
            logger.warning("chaingraph.%s is public but has no API page", name,
                           type="chaingraph", subtype="api")


DOCSTRING_OF = re.compile(r"docstring of ([\w.]+)")
_MISSING = object()


def lookup(dotted: str):
    """The object a dotted path inside the package names, or ``_MISSING``."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return _MISSING
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def public_name_of(obj) -> str | None:
    import chaingraph

    for name in public_names():
        if getattr(chaingraph, name) is obj:
            return name
    return None


def _scopes(node) -> list[str]:
    """Where a reference's target may live: the enclosing objects of the docstring it is in,
    then the current module and class of the page."""
    scopes = []
    found = DOCSTRING_OF.search(node.source or "")
    if found:
        parts = found.group(1).split(".")
        scopes += [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    module, cls = node.get("py:module"), node.get("py:class")
    if module and cls:
        scopes.append(f"{module}.{cls}")
    if module:
        scopes.append(module)
    return scopes


def resolve_package_reference(app: Sphinx, env, node, contnode):
    """``missing-reference``: a public object by another path, or an internal one."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    for scope in ["", *_scopes(node)]:
        obj = lookup(f"{scope}.{target}" if scope else target)
        if obj is _MISSING:
            continue
        public = public_name_of(obj)
        if public is not None:
            return env.get_domain("py").resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], f"{PACKAGE}.{public}",
                node, contnode)
        return contnode  # exists, but has no page of its own
    return None


def setup(app: Sphinx) -> dict:
    app.add_config_value("api_groups", [], "env", types=frozenset({list}))
    app.add_config_value("api_extra_pages", [], "env", types=frozenset({list}))
    app.connect("config-inited", write_api_pages)
    app.connect("env-check-consistency", check_every_name_documented)
    app.connect("missing-reference", resolve_package_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
