"""The one jinja2 environment of the HTML reports (autoescape on, strict undefined names).

Templates live in ``metaeval/report/templates/``: ``report.html.j2`` (correlation report) and
``listening.html.j2`` (listening-test summary).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment():
    """The shared environment (created once per process)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render(template: str, **context) -> str:
    """Render ``template`` with ``context``."""
    return environment().get_template(template).render(**context)
