"""Drive headless Chromium through the DevTools protocol: real clicks, typing and page state.

``--dump-dom`` (see ``tests/browser.py``) reads a page once; a user's
interaction — clicking a node on the canvas, typing a Chinese name into
the search box — needs a live page. Chromium speaks the DevTools protocol
over a pipe (``--remote-debugging-pipe``: it reads commands on fd 3 and
writes replies on fd 4, each a JSON message ended by a NUL byte), so no
extra package and no network port is needed. The network is off as in
``tests/browser.py`` (a dead proxy, background networking disabled).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time

from tests.browser import CHROMIUM


class PageError(AssertionError):
    """The page threw, logged an error, or did not reach the state waited for."""


class Chromium:
    """One headless Chromium with one page; use as a context manager.

    ``errors`` collects uncaught exceptions and console errors of the page.
    """

    def __init__(self, tmp_path, *, width: int = 1400, height: int = 900):
        self.errors: list[str] = []
        self._next = 0
        self._buffer = b""
        to_child, self._write_fd = os.pipe()
        self._read_fd, from_child = os.pipe()

        def as_fds_3_and_4():  # runs in the child before exec
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--remote-debugging-pipe",
             f"--user-data-dir={tmp_path / 'cdp-profile'}", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(to_child, from_child, 3, 4), preexec_fn=as_fds_3_and_4,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    # ------------------------------------------------------------------ protocol
    def _send(self, method, params, session):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._write_fd, json.dumps(msg).encode("utf-8") + b"\0")
        return self._next

    def _messages(self, timeout):
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                yield json.loads(raw)
            left = end - time.monotonic()
            if left <= 0:
                raise PageError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if ready:
                chunk = os.read(self._read_fd, 1 << 20)
                if not chunk:
                    raise PageError("Chromium closed the DevTools pipe")
                self._buffer += chunk

    def _call(self, method, params=None, session=None, timeout=60):
        wanted = self._send(method, params, session)
        for msg in self._messages(timeout):
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise PageError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(params["entry"].get("text", ""))

    def call(self, method, params=None, timeout=60):
        """One DevTools command on the page; returns its result."""
        return self._call(method, params, self._session, timeout)

    # ------------------------------------------------------------------ page
    def open(self, path, *, fragment: str = "", until: str = "document.body.dataset.drawn === '1'",
             timeout: float = 60):
        """Load a local file and wait until ``until`` (JavaScript) is true."""
        self.call("Page.navigate", {"url": path.resolve().as_uri() + fragment})
        self.wait(until, timeout=timeout)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable values)."""
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in res:
            raise PageError(f"{expression!r}: {res['exceptionDetails'].get('exception', {}).get('description')}")
        return res["result"].get("value")

    def wait(self, expression: str, *, timeout: float = 30):
        """Poll ``expression`` until it is true (raises :class:`PageError` after ``timeout`` s)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.evaluate(expression):
                    return
            except PageError:
                pass
            time.sleep(0.1)
        raise PageError(f"not true after {timeout} s: {expression}; page errors: {self.errors}")

    def body(self) -> dict:
        """The ``<body>``'s data attributes (what the page's script records)."""
        return self.evaluate("Object.assign({}, document.body.dataset)")

    def click(self, x: float, y: float):
        """A left click at viewport coordinates (CSS pixels), as a mouse would."""
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "clickCount": 1})

    def click_node(self, node_id: str):
        """Click the centre of a drawn node of the network page."""
        x, y = self.evaluate(f"""(() => {{
            const net = window.chaingraphNetwork, id = {json.dumps(node_id)};
            const p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById("cg-network").getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }})()""")
        self.click(x, y)
        time.sleep(0.2)

    def type(self, selector: str, text: str):
        """Focus the element and type ``text`` into it (any script: Chinese too)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", {"text": text})

    def press(self, key: str):
        """Press and release a key such as ``"Enter"``."""
        codes = {"Enter": 13, "Escape": 27}
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                 "windowsVirtualKeyCode": codes.get(key, 0)})

    def screenshot(self, path):
        """Save the viewport as PNG; returns the path."""
        import base64

        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def in_view(self, selector: str) -> bool:
        """Whether the element's top lies inside the viewport and inside its scrolled container."""
        return self.evaluate(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            const r = e.getBoundingClientRect(), box = e.closest("aside").getBoundingClientRect();
            return r.height > 0 && r.top >= Math.max(0, box.top) - 1
                && r.top < Math.min(window.innerHeight, box.bottom) - 20;
        }})()""")

    # ------------------------------------------------------------------ lifetime
    def close(self):
        try:
            self._call("Browser.close", timeout=10)
        except (PageError, OSError):
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._write_fd)
        os.close(self._read_fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
