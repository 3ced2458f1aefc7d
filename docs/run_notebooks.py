"""Run the tutorials in ``notebooks/`` and store their outputs in them.

    python docs/run_notebooks.py                     # every notebook
    python docs/run_notebooks.py notebooks/04_*.ipynb

Each notebook runs top to bottom in a fresh kernel, in an empty temporary working
directory, with this checkout first on the Python path. What differs from one run to
the next without the library changing — execution timings, temporary paths, memory
addresses, the checkout's own path — is normalised before the notebook is written, so
a rerun on unchanged code rewrites the same file. ``tests/test_notebooks.py`` runs each
notebook the same way and fails when a stored output differs from the fresh one; the
documentation renders the stored outputs without running anything.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

#: Text that changes between runs on the same code, and what it becomes.
VOLATILE = [
    (re.compile(re.escape(str(ROOT))), "<checkout>"),
    (re.compile(re.escape(tempfile.gettempdir().rstrip("/")) + r"/[^\s'\"<>)\]]*"), "<tmp>"),
    (re.compile(r"\b0x[0-9a-fA-F]{6,16}\b"), "0x…"),
    # a progress bar's clock and rate (tqdm: "[00:01<00:02, 123.45it/s]")
    (re.compile(r"\[\d+:\d\d<[^\]]*\]"), "[…]"),
    # durations printed as "1.23s", "12.3 s", "40 ms"
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms|µs)\b"), "…s"),
]

#: Cell and notebook metadata written by a run (timings, the kernel's version).
VOLATILE_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def notebook_paths(args: list[str] | None = None) -> list[Path]:
    """The notebooks named in ``args``, or every notebook in ``notebooks/``."""
    if args:
        return [Path(a).resolve() for a in args]
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    """``path`` run top to bottom in a fresh kernel whose working directory is ``workdir``.

    Raises ``nbclient.exceptions.CellExecutionError`` on the first cell that fails.
    """
    book = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     record_timing=False,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    return book


def normalised_text(text: str) -> str:
    """``text`` with every volatile part replaced by a fixed placeholder."""
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


#: Output kinds that hold binary data (base64): never rewritten.
BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "application/pdf")


def _normalised_output(output: dict) -> nbformat.NotebookNode:
    output = nbformat.from_dict(output)
    if "text" in output:
        output.text = normalised_text(output.text)
    for mime, value in output.get("data", {}).items():
        if mime not in BINARY_MIME and isinstance(value, str):
            output.data[mime] = normalised_text(value)
    if "traceback" in output:
        output.traceback = [normalised_text(line) for line in output.traceback]
    if "evalue" in output:
        output.evalue = normalised_text(output.evalue)
    return output


def normalise(book: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``book`` with volatile outputs and metadata normalised (in place, and returned)."""
    for cell in book.cells:
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = [_normalised_output(out) for out in cell.outputs]
    book.metadata.get("language_info", {}).pop("version", None)
    return book


def cell_outputs(book: nbformat.NotebookNode) -> list[tuple[str, list]]:
    """Each code cell's first source line and its outputs, as plain data to compare."""
    return [(cell.source.splitlines()[0] if cell.source else "", cell.outputs)
            for cell in book.cells if cell.cell_type == "code"]


def run(path: Path) -> None:
    """Execute ``path`` and write it back with its normalised outputs."""
    with tempfile.TemporaryDirectory() as workdir:
        book = normalise(execute(path, Path(workdir)))
    nbformat.write(book, path)


def main(argv: list[str]) -> int:
    for path in notebook_paths(argv):
        print(f"running {path.relative_to(ROOT)}", flush=True)
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
