"""Link the Chinese terms of the API pages to the glossary.

Every public docstring names its Chinese term ("Lead firms (链主) …"). On the pages under
``glossary_link_prefixes`` (conf.py), the first occurrence on a page of each Chinese term
that the glossary defines becomes a link to its entry — no markup in the docstrings, so
``help()`` stays plain and a new function's terms are linked without anyone adding them.
The longest term wins where terms overlap (产业链图谱 before 产业链).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.nodes import make_refnode

CJK = re.compile(r"[\u3400-\u9fff]")

#: Text inside these is left as it is: code, existing links, signatures, headings.
SKIP = (nodes.literal, nodes.literal_block, nodes.reference, nodes.title, nodes.raw,
        nodes.math, nodes.math_block, nodes.comment, nodes.target,
        addnodes.pending_xref, addnodes.desc_signature, addnodes.toctree)


def glossary_terms(env) -> dict[str, tuple[str, str]]:
    """Chinese glossary term → (docname, anchor)."""
    return {name: (docname, anchor)
            for name, _, kind, docname, anchor, _ in env.get_domain("std").get_objects()
            if kind == "term" and CJK.search(name)}


def current_docname(env) -> str:
    """The document being written (``env.current_document`` from Sphinx 8.2 on)."""
    current = getattr(env, "current_document", None)
    return current.docname if current is not None else env.docname


def _skipped(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, SKIP):
            return True
        parent = parent.parent
    return False


def linked_pieces(text: str, pattern: re.Pattern, linked: set, link) -> list[nodes.Node]:
    """``text`` split around the first occurrence of each term not yet in ``linked``, the
    terms replaced by ``link(term)``; empty when there is nothing to link."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        term = match.group()
        if term in linked:
            continue
        linked.add(term)
        if match.start() > last:
            pieces.append(nodes.Text(text[last:match.start()]))
        pieces.append(link(term))
        last = match.end()
    if pieces and last < len(text):
        pieces.append(nodes.Text(text[last:]))
    return pieces


class GlossaryLinks(SphinxPostTransform):
    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        docname = current_docname(self.env)
        if not docname.startswith(tuple(self.config.glossary_link_prefixes)):
            return
        terms = glossary_terms(self.env)
        if not terms:
            return
        pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))

        def link(term: str) -> nodes.Node:
            target_doc, anchor = terms[term]
            return make_refnode(self.app.builder, docname, target_doc, anchor,
                                nodes.Text(term), f"{term} (glossary)")

        linked: set[str] = set()
        for text in list(self.document.findall(nodes.Text)):
            if not _skipped(text):
                pieces = linked_pieces(text.astext(), pattern, linked, link)
                if pieces:
                    text.parent.replace(text, pieces)


def setup(app: Sphinx) -> dict:
    app.add_config_value("glossary_link_prefixes", ["api/"], "env", types=frozenset({list}))
    app.add_post_transform(GlossaryLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
