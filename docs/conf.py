"""Sphinx configuration for the chaingraph documentation.

Build (offline, warnings are errors):  sphinx-build -W -b html docs docs/_build/html

Most pages are generated from the repository when the build starts (docs/_ext/):
the API reference from ``chaingraph.__all__``, the command-line reference from Click,
the data format from README.md, the datasheets from datasets/*/README.md and the
tutorials from notebooks/*.ipynb with their stored outputs (never executed here;
``python docs/run_notebooks.py`` refreshes them).
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import chaingraph  # noqa: E402  (the installed package, or the checkout on PYTHONPATH)

project = "chaingraph"
author = "chaingraph developers"
copyright = "chaingraph developers, MIT licence"
release = chaingraph.__version__
version = release
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_click",
    "myst_nb",
    # ours (docs/_ext/)
    "repo_pages",
    "rule_pages",
    "api_pages",
    "glossary_links",
    "mathml",
    "gallery",
    "offline_check",
]

exclude_patterns = ["_build", "_include", "run_notebooks.py", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
# `text` in a docstring or command help is code, and "--option" keeps its two hyphens.
default_role = "literal"
smartquotes_action = "qe"

# -- warnings are errors: every cross-reference must resolve -------------------------------
nitpicky = True
nitpick_ignore_regex = [
    # Other projects' names (networkx.DiGraph, pandas.DataFrame …): their inventories are
    # not fetched, the build is offline.
    ("py:(class|obj|func|meth|attr|data|exc)",
     r"(pd|pandas|np|numpy|scipy|nx|networkx|pyvis|dask|pyarrow|openpyxl|click)(\..*)?"),
]

# -- API reference (autodoc, autosummary, numpydoc) ----------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"          # the numpydoc Parameters section says the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# -- Markdown, notebooks --------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"           # render the outputs stored in notebooks/
nb_ipywidgets_js = {}               # no widget scripts from a CDN
nb_merge_streams = True

# -- HTML: self-contained, opens offline ------------------------------------------------------
html_theme = "furo"
html_title = f"chaingraph {release}"
html_static_path = ["_static"]
html_css_files = ["chaingraph.css"]
html_math_renderer = "mathml"       # MathML in the page: no MathJax from a CDN
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
offline_check_folders = ["_static", "gallery"]

# -- what the extensions in docs/_ext read -------------------------------------------------
#: README.md sections shown in these docs (README stays the one source): the file
#: docs/_include/readme/<key>.md gets the section under the README heading "## <value>";
#: None: the text before the first "## " heading.
readme_sections = {
    "intro": None,
    "set-up": "Set up",
    "in-a-notebook": "In a notebook",
    "your-data": "Your data",
    "from-a-firm-register": "From a firm register",
    "from-invoices": "From invoices (交易流水) to links, at any scale",
}

#: The API reference, by the question a name answers. A public name (``chaingraph.__all__``)
#: goes to the group listing the module that defines it (or a package above that module),
#: or listing the name itself under "names". A public name in no group stops the build: add
#: its module here. "intro" is reStructuredText.
api_groups = [
    {
        "page": "build",
        "title": "Build a chain",
        "modules": ["chaingraph.core", "chaingraph._summary", "chaingraph.io",
                    "chaingraph.templates", "chaingraph.errors", "chaingraph.schema"],
        "intro": "A chain is a :class:`~chaingraph.ChainGraph`: firms, their supply links "
                 "and the chain template (:term:`产业链图谱`). Read one from files, build one "
                 "from pandas tables, or load a shipped one. The file formats are in "
                 ":doc:`/data-format`.",
    },
    {
        "page": "data",
        "title": "Shipped and synthetic data",
        "modules": ["chaingraph.datasets", "chaingraph.synthetic", "chaingraph.synthetic_map"],
        "intro": "The datasets shipped with chaingraph (each with a datasheet, "
                 ":doc:`/datasets`) and the generators of synthetic chains with planted "
                 "structure that the tests recover.",
    },
    {
        "page": "registers",
        "title": "Registers and ingestion",
        "modules": ["chaingraph.assign", "chaingraph.ingest"],
        "intro": "From the data chain work starts with — a firm register, transaction "
                 "records — to a chain. Method: :doc:`/methods/registers`.",
    },
    {
        "page": "leads",
        "title": "Lead firms",
        "modules": ["chaingraph.analysis.leads"],
        "intro": "Who leads the chain (:term:`链主`), and the ecosystem around each lead "
                 "firm. Method: :doc:`/methods/lead-firms`.",
    },
    {
        "page": "weak-gaps",
        "title": "Weak links and gaps",
        "modules": ["chaingraph.analysis.weak", "chaingraph.analysis.gaps"],
        "intro": "Missing, weak and foreign-dependent segments (:term:`缺链`, :term:`弱链`, "
                 ":term:`卡脖子`), chokepoint firms, single sourcing, and the firms that "
                 "could close each gap (:term:`补链`, :term:`延链`); whom to attract first is "
                 "on :doc:`monitoring`. "
                 "Method: :doc:`/methods/weak-links-gaps`.",
    },
    {
        "page": "integration",
        "title": "Integration of small and large firms",
        "modules": ["chaingraph.analysis.integration"],
        "intro": "How well small and large firms are woven together "
                 "(:term:`大中小企业融通`). Method: :doc:`/methods/integration`.",
    },
    {
        "page": "resilience",
        "title": "Resilience",
        "modules": ["chaingraph.analysis.resilience", "chaingraph.analysis.disruption",
                    "chaingraph.analysis.essentiality"],
        "intro": "Firm-level systemic risk (ESRI) and disruption scenarios: what the loss "
                 "of a firm, a segment, a region or a foreign country does to everyone else. "
                 "Method: :doc:`/methods/resilience`.",
    },
    {
        "page": "tiers",
        "title": "Tiers",
        "modules": ["chaingraph.analysis.tiers"],
        "intro": "The tier pool (:term:`梯度培育库`): which firm qualifies for which tier by "
                 "the official criteria, what it misses for the next, and progress to "
                 "targets. Method: :doc:`/methods/tiers`.",
    },
    {
        "page": "monitoring",
        "title": "Monitoring, what-if and attraction",
        "modules": ["chaingraph.analysis.change", "chaingraph.analysis.whatif",
                    "chaingraph.analysis.attraction"],
        "intro": "What changed in a chain between two years (年度变化: gaps closed and opened, "
                 "chokepoints dissolved, lead firms and tier moves), what bringing a firm in "
                 "would change (a what-if), and whom to attract (:term:`补链`).",
    },
    {
        "page": "input-output",
        "title": "Input–output",
        "modules": ["chaingraph.analysis.sectors", "chaingraph.analysis.sector_tables"],
        "intro": "Leontief and Ghosh inverses, key sectors (:term:`影响力系数`, "
                 ":term:`感应度系数`), hypothetical extraction and upstreamness, for "
                 "published input–output tables and for a chain's segments. "
                 "Method: :doc:`/methods/input-output`.",
    },
    {
        "page": "reports",
        "title": "Reports and pictures",
        "modules": ["chaingraph.report", "chaingraph.viz"],
        "intro": "The chain gap report (self-contained HTML, Markdown, Excel lists) and the "
                 "interactive network pages; both open offline. Examples: :doc:`/gallery`.",
    },
]

#: Pages listed in the API reference after the groups.
api_extra_pages = ["/cli"]
