"""Pictures of a chain: interactive network views (:func:`to_pyvis`) as offline HTML.

Every HTML page written here is self-contained (vis-network inlined, nothing
loaded from the network) and escapes every string that comes from the data;
:mod:`chaingraph.viz.html` holds that machinery for other HTML outputs.
"""

from .html import assert_offline, remote_references
from .network import ChainNetwork, to_pyvis

__all__ = ["ChainNetwork", "to_pyvis", "assert_offline", "remote_references"]
