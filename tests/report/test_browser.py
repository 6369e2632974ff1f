"""Open the HTML report in headless Debian chromium: it renders offline, figures have a size,
the screenshot is not blank and the console stays silent."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND"]  # the page must not need the network
PROBE = """<script>
(function () {
  var boxes = [];
  document.querySelectorAll('svg, img').forEach(function (el) {
    var r = el.getBoundingClientRect();
    boxes.push({tag: el.tagName.toLowerCase(), w: r.width, h: r.height,
                loaded: el.tagName.toLowerCase() !== 'img' || (el.complete && el.naturalWidth > 0)});
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({boxes: boxes,
                                    tables: document.querySelectorAll('table.summary').length});
  document.body.appendChild(pre);
})();
</script>"""
CONSOLE_LINE = re.compile(r"CONSOLE|Uncaught", re.I)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"headless chromium absent at {CHROMIUM}")
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)]


def _probe(page: Path, tmp_path: Path) -> tuple[dict, str, list[str]]:
    """Render a copy of ``page`` with a measuring script; return (probe, dom, console lines)."""
    copy = tmp_path / "probe.html"
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                    encoding="utf-8")
    run = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--window-size=1280,1024",
                    "--dump-dom", copy.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, "probe script did not run"
    text = found.group(1).replace("&quot;", '"').replace("&amp;", "&")
    return json.loads(text), run.stdout, _console_errors(run.stderr)


def test_console_check_detects_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>x</p><script>throw new Error('boom')</script></body></html>")
    _, _, errors = _probe(page, tmp_path)
    assert any("Uncaught Error: boom" in line for line in errors)


def test_report_renders_with_sized_figures_and_no_console_errors(gensvs_report, tmp_path):
    probe, dom, errors = _probe(gensvs_report["html"], tmp_path)
    assert errors == []
    assert probe["tables"] == 3
    svgs = [b for b in probe["boxes"] if b["tag"] == "svg"]
    assert len(svgs) == 4
    assert all(b["w"] > 200 and b["h"] > 150 and b["loaded"] for b in probe["boxes"])
    for metric in ("emb_mse_mert_df", "fad_song2song_clap_audio_df", "xls_r_sqa"):
        assert f'data-metric="{metric}"' in dom


def test_screenshot_is_not_blank(gensvs_report, tmp_path):
    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, "--window-size=1280,2400", "--hide-scrollbars",
                    f"--screenshot={shot}", gensvs_report["html"].as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2400, 1280)
    dark = pixels < 200
    assert dark.mean() > 0.02  # text, tables and plots drawn
    assert dark[:, :640].mean() > 0.01 and dark[:, 640:].mean() > 0.005  # both halves used
    rows_with_ink = dark.any(axis=1).mean()
    assert rows_with_ink > 0.3


TABLE_PROBE = """<script>
(function () {
  var main = document.querySelector('main').getBoundingClientRect();
  var tables = [], leaks = [];
  document.querySelectorAll('table.summary').forEach(function (t) {
    var wrap = t.parentElement, first = t.querySelector('tbody td');
    tables.push({id: t.id, width: t.scrollWidth, room: wrap.clientWidth,
                 overflow: getComputedStyle(wrap).overflowX,
                 sticky: first ? getComputedStyle(first).position : ''});
  });
  document.querySelectorAll('main *').forEach(function (el) {
    if (el.children.length || el.getBoundingClientRect().right <= main.right + 1) return;
    for (var p = el.parentElement; p && p.tagName !== 'MAIN'; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return;
    }
    leaks.push(el.tagName + '#' + (el.id || el.textContent.slice(0, 30)));
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({tables: tables, leaks: leaks,
                                    page: document.documentElement.scrollWidth,
                                    view: window.innerWidth});
  document.body.appendChild(pre);
})();
</script>"""


def _table_probe(html: str, tmp_path: Path) -> dict:
    page = tmp_path / "challenge.html"
    page.write_text(html.replace("</body>", TABLE_PROBE + "</body>"), encoding="utf-8")
    run = _chromium(tmp_path, "--window-size=1280,1024", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, "probe script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_challenge_tables_fit_or_scroll_inside_the_page(challenge_results, tmp_path):
    """At 1280 px the 8-metric page's tables fit their column (the phenomenon table was 1572 px
    in a 1007 px box, its last metrics cut off); the 24-metric tables scroll sideways inside
    the page with the row labels fixed, and nothing runs past the page (the signature did)."""
    from metaeval.report.challenge import render_html

    for n in (8, 24):
        probe = _table_probe(render_html(challenge_results[n]), tmp_path)
        assert probe["leaks"] == [] and probe["page"] <= probe["view"], (n, probe)
        assert len(probe["tables"]) >= 6
        for table in probe["tables"]:
            assert table["overflow"] == "auto" and table["sticky"] == "sticky", table
            if n == 8:
                assert table["width"] <= table["room"] + 1, table
        if n == 24:
            assert any(t["width"] > t["room"] for t in probe["tables"])  # they do scroll
