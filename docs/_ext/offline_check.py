"""Check that the built pages open offline: no page or stylesheet loads anything from the web.

Links to other sites (``<a href="https://…">``) are fine; a script, stylesheet, font, image
or frame fetched from one is a warning, so with ``-W`` the build fails.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

REMOTE = r"""["']?\s*(?:https?:)?//"""
#: A tag that loads what its src/href/data names (a <link> only as a stylesheet, icon, font…).
HTML_LOADS = re.compile(
    r"<(?:script|img|iframe|frame|source|audio|video|embed|track|object|input)\b[^>]*?"
    r"\s(?:src|data|poster)\s*=\s*" + REMOTE
    + r"|<link\b(?=[^>]*\brel\s*=\s*[\"']?(?:stylesheet|preload|modulepreload|icon|"
      r"shortcut icon|apple-touch-icon|manifest|prefetch))[^>]*\shref\s*=\s*" + REMOTE,
    re.IGNORECASE)
CSS_LOADS = re.compile(r"(?:url\(\s*|@import\s+)" + REMOTE, re.IGNORECASE)


def remote_loads(text: str, pattern: re.Pattern) -> list[str]:
    return [text[m.start():m.end() + 60].split(">")[0] for m in pattern.finditer(text)]


def built_files(app: Sphinx) -> list[Path]:
    """The pages of this build (not stale files of an earlier one) and every static file."""
    out = Path(app.outdir)
    pages = {Path(app.builder.get_outfilename(doc)) for doc in app.env.found_docs}
    pages |= {out / f"{name}.html" for name in ("genindex", "search", "py-modindex")}
    extra = [path for folder in app.config.offline_check_folders
             for path in (out / folder).rglob("*")]
    return sorted(p for p in pages | set(extra) if p.is_file())


def check_offline(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for path in built_files(app):
        if path.suffix == ".html":
            found = remote_loads(path.read_text(encoding="utf-8", errors="replace"), HTML_LOADS)
        elif path.suffix == ".css":
            found = remote_loads(path.read_text(encoding="utf-8", errors="replace"), CSS_LOADS)
        else:
            continue
        for snippet in found:
            logger.warning("%s loads from the web: %s", path.relative_to(out), snippet,
                           type="chaingraph", subtype="offline")


def setup(app: Sphinx) -> dict:
    app.add_config_value("offline_check_folders", ["_static"], "html", types=frozenset({list}))
    # after the handlers that write pages of their own into the output (default priority 500)
    app.connect("build-finished", check_offline, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
