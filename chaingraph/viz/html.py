"""Self-contained, escaped HTML: the machinery behind every page chaingraph writes.

Every HTML file the library writes must open on a machine without network
access (an intranet) and must not run anything that comes from the data.
This module provides the pieces:

- :func:`vis_assets` reads vis-network's JavaScript and CSS from the files
  bundled inside the installed ``pyvis`` package, so they can be inlined;
- :func:`render` renders one of the package's Jinja2 templates
  (``chaingraph/viz/templates/*.html.j2``) with autoescaping on, so every
  string from the data put into the markup is escaped;
- :func:`script_json` serialises data for a
  ``<script type="application/json">`` block, escaping ``<`` (hence ``</script``
  and ``<!--``), ``>``, ``&`` and U+2028/U+2029, so the block cannot be closed or
  commented out by a value; the page reads it with ``JSON.parse`` and builds
  text with ``textContent``, never ``innerHTML``;
- :func:`remote_references` / :func:`assert_offline` find anything that would
  load a resource over the network: ``src``/``href``-like attributes,
  ``<link>`` elements and ``<script src>`` at all, CSS ``url()`` and
  ``@import``, and ``fetch`` / ``XMLHttpRequest`` / ``import()`` / ``WebSocket``
  calls with a literal remote address in inline scripts. Plain text that only
  mentions an address (vis-network's licence header, the SVG namespace
  ``http://www.w3.org/2000/svg``) loads nothing and is not reported.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["vis_assets", "script_json", "inline_script", "inline_style", "render",
           "remote_references", "assert_offline"]

VIS_VERSION = "9.1.2"
TEMPLATE_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's ``(javascript, css)`` as text, from the installed pyvis package.

    pyvis 0.3.2 ships vis-network under ``pyvis/lib/vis-9.1.2/`` (and a copy
    under ``pyvis/templates/lib/``); the first that exists is used.

    Raises
    ------
    FileNotFoundError
        When neither location holds the files (a pyvis without bundled assets).
    """
    import pyvis

    root = Path(pyvis.__file__).parent
    for base in (root / "lib", root / "templates" / "lib"):
        folder = base / f"vis-{VIS_VERSION}"
        js, css = folder / "vis-network.min.js", folder / "vis-network.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"vis-network {VIS_VERSION} is not bundled with pyvis at {root}; "
        "chaingraph needs pyvis>=0.3.2 with its lib/ folder"
    )


_SCRIPT_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_JSON_RE = re.compile("[<>&\u2028\u2029]")


def script_json(obj) -> str:
    """JSON text that is safe inside ``<script type="application/json">``.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes,
    which JSON decodes to the same characters, so no value can end the
    script element (``</script>``), open a comment (``<!--``) or break a
    JavaScript string. Non-finite floats become ``null``.

    Examples
    --------
    >>> script_json({"name": "</script><img src=x onerror=alert(1)>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    >>> json.loads(script_json(["<!--"]))
    ['<!--']
    """
    text = json.dumps(_finite(obj), ensure_ascii=False, allow_nan=False, separators=(",", ": "))
    return _SCRIPT_JSON_RE.sub(lambda m: _SCRIPT_JSON_ESCAPES[m.group(0)], text)


def _finite(obj):
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)
_STYLE_CLOSE = re.compile(r"</(style)", re.IGNORECASE)


def inline_script(code: str) -> str:
    """JavaScript source made safe to place between ``<script>`` and ``</script>``.

    ``</script`` becomes ``<\\/script`` and ``<!--`` becomes ``<\\!--`` (both
    mean the same inside JavaScript strings and regular expressions, where
    minified code may contain them).
    """
    return _SCRIPT_CLOSE.sub(r"<\\/\1", code).replace("<!--", "<\\!--")


def inline_style(css: str) -> str:
    """CSS made safe to place inside ``<style>``: ``</style`` cannot end the element."""
    return _STYLE_CLOSE.sub(r"<\\/\1", css)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context) -> str:
    """Render ``chaingraph/viz/templates/<template>`` with autoescaping on.

    The context gets ``vis_js``, ``vis_css`` (inlined, see :func:`vis_assets`)
    and a ``script_json`` filter in addition to what is passed.
    """
    from markupsafe import Markup

    env = _environment()
    env.filters.setdefault("script_json", lambda obj: Markup(script_json(obj)))
    js, css = vis_assets()
    context.setdefault("vis_js", Markup(inline_script(js)))
    context.setdefault("vis_css", Markup(inline_style(css)))
    return env.get_template(template).render(**context)


# --------------------------------------------------------------------------- #
# finding remote resource references

_REMOTE = r"(?:https?:)?//"
_REMOTE_RE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_URL_ATTRS = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background",
              "xlink:href", "manifest", "cite", "longdesc", "ping", "codebase", "archive"}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*" + _REMOTE, re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
_JS_CALLS = [
    ("fetch()", re.compile(r"\bfetch\s*\(\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("XMLHttpRequest.open()",
     re.compile(r"\.open\s*\(\s*[`'\"][A-Za-z]+[`'\"]\s*,\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("import()", re.compile(r"\bimport\s*\(\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("import from", re.compile(r"\bimport\b[^;()]*?\bfrom\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("importScripts()", re.compile(r"\bimportScripts\s*\(\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("WebSocket", re.compile(r"\bnew\s+WebSocket\s*\(\s*[`'\"]wss?://", re.IGNORECASE)),
    ("EventSource", re.compile(r"\bnew\s+EventSource\s*\(\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    (".src =", re.compile(r"\.(?:src|href)\s*=\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
    ("setAttribute()",
     re.compile(r"setAttribute\s*\(\s*[`'\"](?:src|href)[`'\"]\s*,\s*[`'\"]" + _REMOTE, re.IGNORECASE)),
]


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            self.found.append(f"<link> element: {attrs.get('href', '')!r}")
        if tag == "script" and "src" in attrs:
            self.found.append(f"<script src={attrs['src']!r}>")
        for name, value in attrs.items():
            if tag == "script" and name == "src":
                continue  # reported above, whatever the address
            if name in _URL_ATTRS and any(_REMOTE_RE.match(part) for part in value.split(",")):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self._css(value, f"<{tag} style>")
            if name.startswith("on"):
                self._js(value, f"<{tag} {name}>")
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh" \
                and re.search(_REMOTE, attrs.get("content", "")):
            self.found.append(f"<meta http-equiv=refresh content={attrs['content']!r}>")
        if tag in ("script", "style"):
            self._in, self._buffer = tag, []

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if self._in == tag:
            text = "".join(self._buffer)
            (self._css if tag == "style" else self._js)(text, f"<{tag}>")
            self._in, self._buffer = None, []

    def _css(self, text, where):
        for m in _CSS_URL.finditer(text):
            self.found.append(f"{where}: url({text[m.end() - 8:m.end() + 40]!r}…)")
        for m in _CSS_IMPORT.finditer(text):
            self.found.append(f"{where}: {text[m.start():m.start() + 60]!r}")

    def _js(self, text, where):
        for what, rx in _JS_CALLS:
            for m in rx.finditer(text):
                self.found.append(f"{where}: {what} {text[m.start():m.end() + 40]!r}")
        if where == "<script>":
            # CSS injected from scripts (vis-network's standalone build does this)
            for m in _CSS_URL.finditer(text):
                self.found.append(f"{where}: css url() {text[m.start():m.end() + 40]!r}")


def remote_references(html: str) -> list[str]:
    """Every place in ``html`` that would load a resource over the network.

    Looks at: ``<link>`` elements and ``<script src>`` (reported whatever the
    address: a self-contained page needs neither), URL-valued attributes
    (``src``, ``href``, ``srcset``, ``action``, ``poster``, ``data``, …) whose
    value starts with ``http://``, ``https://`` or ``//``, CSS ``url()`` with
    such an address and any ``@import`` in ``<style>`` or ``style=""``, and
    in inline scripts ``fetch``, ``XMLHttpRequest.open``, ``import``,
    ``importScripts``, ``WebSocket``, ``EventSource`` and ``.src``/``.href``
    assignments given a literal remote address. ``data:`` and ``#fragment``
    addresses are local. Text that merely mentions an address is not a
    reference.

    Returns
    -------
    list of str
        One description per reference found; empty for an offline page.

    Examples
    --------
    >>> remote_references('<p>see http://example.org</p><img src="data:image/png;base64,AA">')
    []
    >>> remote_references('<script src="https://cdn.example/vis.js"></script>')
    ["<script src='https://cdn.example/vis.js'>"]
    >>> len(remote_references("<style>@import 'x.css'; p{background:url(//e.org/a.png)}</style>"))
    2
    """
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    if scanner._in:  # unterminated <script>/<style>: scan what there is
        scanner.handle_endtag(scanner._in)
    return scanner.found


def assert_offline(html: str) -> None:
    """Raise ``AssertionError`` listing every remote resource reference in ``html``.

    See :func:`remote_references` for what counts.

    Examples
    --------
    >>> assert_offline("<html><body><p>http://example.org is only text</p></body></html>")
    >>> assert_offline('<link rel="stylesheet" href="https://cdn.example/bootstrap.css">')
    Traceback (most recent call last):
    ...
    AssertionError: the page loads 2 remote resources: ...
    """
    found = remote_references(html)
    if found:
        raise AssertionError(f"the page loads {len(found)} remote resources: " + "; ".join(found))
