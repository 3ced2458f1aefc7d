"""Writing generated source files: only when their text changes, so that an incremental
build rereads only what changed, and without leaving the files of removed sources behind."""

from __future__ import annotations

from pathlib import Path


def write_if_changed(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` (creating its folder) unless it already holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def sync_folder(folder: Path, files: dict[str, str | bytes], pattern: str) -> None:
    """Make the files of ``folder`` matching ``pattern`` exactly ``files`` (name → content):
    write those that changed, delete those no longer given (a notebook or datasheet that
    was removed or renamed would otherwise stay a page)."""
    for name, text in files.items():
        write_if_changed(folder / name, text)
    for path in folder.glob(pattern):
        if path.name not in files:
            path.unlink()
