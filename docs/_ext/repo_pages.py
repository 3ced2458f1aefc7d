"""Pages made from files elsewhere in the repository, so that each text has one source.

When the configuration is read (before Sphinx lists the source files), this writes (all
ignored by git):

- ``docs/_include/readme/<key>.md``: sections of README.md, as named in ``readme_sections``
  in conf.py, for pages to ``{include}``. A section is its ``## heading`` and everything up to
  the next ``## heading``; the heading itself is left out and the section's own
  subheadings move up one level, so ``### Chain maps`` is a section of the including page.
  A heading that README.md no longer has stops the build.
- ``docs/datasets/<name>.md``: one page per datasheet ``datasets/<name>/README.md``.
- ``docs/tutorials/<name>.ipynb``: the notebooks of ``notebooks/`` with their stored
  outputs (rendered as they are; nothing is executed).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

from generated_files import sync_folder

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, level, title) of every Markdown heading outside code fences."""
    found, fenced = [], None
    for i, line in enumerate(lines):
        fence = FENCE.match(line)
        if fence:
            fenced = None if fenced == fence.group(1) else (fenced or fence.group(1))
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append((i, len(match.group(1)), match.group(2)))
    return found


def readme_section(text: str, title: str | None, *, source: str = "README.md") -> str:
    """The body of the ``## title`` section of ``text``, subheadings one level up.

    ``title=None`` gives the text between the first-level heading and the first
    ``##`` heading.
    """
    lines = text.splitlines()
    heads = _headings(lines)
    level2 = [i for i, level, _ in heads if level <= 2]
    if title is None:
        start = next((i + 1 for i, level, _ in heads if level == 1), 0)
    else:
        starts = [i + 1 for i, level, name in heads if level == 2 and name == title]
        if not starts:
            have = [name for _, level, name in heads if level == 2]
            raise ConfigError(f"{source} has no section '## {title}' (it has {have}); "
                              "update readme_sections in docs/conf.py")
        start = starts[0]
    end = next((i for i in level2 if i >= start), len(lines))
    inner = {i for i, level, _ in heads if start <= i < end and level > 2}
    body = [line[1:] if i in inner else line for i, line in enumerate(lines[start:end], start)]
    return "\n".join(body).strip("\n") + "\n"


def write_readme_sections(app: Sphinx, config=None) -> None:
    text = (Path(app.srcdir).parent / "README.md").read_text(encoding="utf-8")
    sync_folder(Path(app.srcdir) / "_include" / "readme",
                {f"{key}.md": readme_section(text, title)
                 for key, title in app.config.readme_sections.items()}, "*.md")


def write_datasheet_pages(app: Sphinx, config=None) -> None:
    sheets = (Path(app.srcdir).parent / "datasets").glob("*/README.md")
    names = sorted(sheet.parent.name for sheet in sheets)
    sync_folder(Path(app.srcdir) / "datasets",
                {f"{name}.md": f"```{{include}} ../../datasets/{name}/README.md\n```\n"
                 for name in names}, "*.md")


def copy_notebooks(app: Sphinx, config=None) -> None:
    folder = Path(app.srcdir) / "tutorials"
    books = sorted((Path(app.srcdir).parent / "notebooks").glob("*.ipynb"))
    sync_folder(folder, {book.name: book.read_bytes() for book in books}, "*.ipynb")
    shutil.rmtree(folder / ".ipynb_checkpoints", ignore_errors=True)


def setup(app: Sphinx) -> dict:
    app.add_config_value("readme_sections", {}, "env", types=frozenset({dict}))
    # before Sphinx lists the source files, so that autosummary and the toctrees see them
    app.connect("config-inited", write_readme_sections)
    app.connect("config-inited", write_datasheet_pages)
    app.connect("config-inited", copy_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
