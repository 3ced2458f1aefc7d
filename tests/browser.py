"""Open a page in headless Chromium (Debian's ``chromium``, no network) and read back its DOM."""

from __future__ import annotations

import re
import shutil
import subprocess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def open_in_chromium(path, tmp_path, *, fragment="", budget_ms=5000):
    """Open ``path`` headless; return (body attributes, DOM text, console lines, screenshot path)."""
    url = path.resolve().as_uri() + fragment
    common = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,900",
        f"--virtual-time-budget={budget_ms}", "--enable-logging=stderr", "--v=0",
    ]
    shot = tmp_path / (path.stem + ".png")
    dom = subprocess.run(common + [f"--screenshot={shot}", "--dump-dom", url], capture_output=True,
                         text=True, timeout=60)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    m = re.search(r"<body([^>]*)>", dom.stdout)
    assert m, f"no <body> in the dumped DOM: {dom.stdout[:300]!r} {dom.stderr[-500:]!r}"
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
    return attrs, dom.stdout, console, shot
