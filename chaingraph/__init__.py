"""chaingraph: industry chains (产业链) as supplier→customer networks of firms.

>>> import chaingraph as cg
>>> chain = cg.load_dataset("shandong-nev")     # doctest: +SKIP
>>> cg.lead_firms(chain).head()                  # doctest: +SKIP
"""

from .errors import ChainDataError
from .schema import ChainDataWarning
from .templates import ChainTemplate, get_template, list_templates
from .core import ChainGraph, ChainSummary
from .io import read_chain, write_chain
from .assign import assign_segments, read_register
from .ingest import ingest_transactions

# -- datasets --
from .datasets import IOTable, list_datasets, load_dataset, load_planted, load_prospects
from .synthetic import Planted, SyntheticChain, synthetic_chain, synthetic_frames
from .synthetic_map import PlantedMap, SyntheticChainMap, synthetic_chain_map

# -- analysis --
from .analysis.leads import ecosystem, lead_firms
from .analysis.integration import IntegrationResult, integration
from .analysis.sectors import extraction, ghosh_inverse, key_sectors, leontief_inverse, upstreamness
from .analysis.sector_tables import read_io_table, sector_table, segment_flows, segment_output
from .analysis.resilience import systemic_risk
from .analysis.essentiality import read_essentiality
from .analysis.disruption import DisruptionResult, simulate_disruption
from .analysis.weak import chokepoints, single_sourcing, weak_links
from .analysis.gaps import gap_candidates, gaps
from .analysis.tiers import tier_progress, tiers
from .analysis.attraction import attraction_list
from .analysis.change import ChainChange, compare
from .analysis.whatif import WhatIf, what_if

# -- viz and reports --
from .report import Report, build_report

__version__ = "0.1.0"


def __getattr__(name):
    # to_pyvis pulls in pyvis (and IPython); import it on first use so that
    # `import chaingraph` and every CLI command start faster.
    if name == "to_pyvis":
        from .viz import to_pyvis

        return to_pyvis
    raise AttributeError(f"module 'chaingraph' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"to_pyvis"})

__all__ = [
    "ChainDataError",
    "ChainDataWarning",
    "ChainGraph",
    "ChainSummary",
    "ChainTemplate",
    "get_template",
    "list_templates",
    "read_chain",
    "write_chain",
    "assign_segments",
    "read_register",
    "ingest_transactions",
    "IOTable",
    "Planted",
    "PlantedMap",
    "SyntheticChain",
    "SyntheticChainMap",
    "list_datasets",
    "load_dataset",
    "load_planted",
    "load_prospects",
    "synthetic_chain",
    "synthetic_frames",
    "synthetic_chain_map",
    "DisruptionResult",
    "simulate_disruption",
    "systemic_risk",
    "read_essentiality",
    "extraction",
    "ghosh_inverse",
    "key_sectors",
    "leontief_inverse",
    "read_io_table",
    "sector_table",
    "segment_flows",
    "segment_output",
    "upstreamness",
    "lead_firms",
    "ecosystem",
    "integration",
    "IntegrationResult",
    "weak_links",
    "chokepoints",
    "single_sourcing",
    "gaps",
    "gap_candidates",
    "tiers",
    "tier_progress",
    "attraction_list",
    "compare",
    "ChainChange",
    "what_if",
    "WhatIf",
    "to_pyvis",
    "Report",
    "build_report",
    # -- exports --
]
