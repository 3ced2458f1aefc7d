"""Pictures of a chain: interactive network views (:func:`to_pyvis`) as offline HTML.

Every HTML page written here is self-contained (vis-network inlined, nothing
loaded from the network) and escapes every string that comes from the data;
:mod:`chaingraph.viz.html` holds that machinery for other HTML outputs.

:func:`to_pyvis` and :class:`ChainNetwork` pull in pyvis, so they are imported
on first use: the report imports :mod:`chaingraph.viz.ecosystem_figures`, and
``import chaingraph`` stays free of pyvis.
"""

from .html import assert_offline, remote_references

__all__ = ["ChainNetwork", "to_pyvis", "assert_offline", "remote_references"]


def __getattr__(name):
    if name in ("ChainNetwork", "to_pyvis"):
        from . import network

        return getattr(network, name)
    raise AttributeError(f"module 'chaingraph.viz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"ChainNetwork", "to_pyvis"})
