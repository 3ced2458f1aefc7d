"""Pictures the library makes, drawn on a shipped chain when the site is built.

After the pages are written, this saves into ``<html>/gallery/`` the chain gap report
(:func:`chaingraph.build_report`), the whole chain firm by firm, its segment map and the
ecosystem of its top lead firm (:func:`chaingraph.to_pyvis`), each one self-contained page, for
``gallery.md`` to embed. They are made by the code of this checkout, so they show what it
draws today; the offline check then reads them like every other page. A failure is a
warning (with ``-W`` the build fails); data warnings of the library are passed on as notes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def pictures(chain) -> dict:
    """File name → a function writing that picture of ``chain`` to a path."""
    import chaingraph as cg

    top = cg.lead_firms(chain, top=1).index[0]
    return {
        "report.html": lambda path: cg.build_report(chain).save(path),
        "firms.html": lambda path: cg.to_pyvis(chain, view="firms").save_graph(str(path)),
        "segment-map.html": lambda path: cg.to_pyvis(chain, view="segments").save_graph(str(path)),
        "ecosystem.html": lambda path: cg.to_pyvis(chain, ecosystem=top).save_graph(str(path)),
    }


def write_gallery(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    import chaingraph as cg

    folder = Path(app.outdir) / "gallery"
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            chain = cg.load_dataset(app.config.gallery_dataset)
            for name, draw in pictures(chain).items():
                draw(folder / name)
        except Exception as err:  # noqa: BLE001 - any failure must stop a -W build
            logger.warning("gallery: %s: %s", type(err).__name__, err,
                           type="chaingraph", subtype="gallery")
    for message in {str(w.message) for w in caught}:
        logger.info("gallery: %s", message)


def setup(app: Sphinx) -> dict:
    app.add_config_value("gallery_dataset", "shandong-nev", "html", types=frozenset({str}))
    app.connect("build-finished", write_gallery)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
