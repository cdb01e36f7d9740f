"""Griffe extension: render Sphinx cross-reference roles in docstrings as links in the docs.

``:class:`~pkg.mod.Name``` becomes a link titled ``Name`` to that object's API reference, and
plain text when the object has no page (an optional autoref), so the docstrings keep the Sphinx
style that Airflow providers use.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj|const):`(?P<short>~?)(?P<path>[\w.]+)`")


def _autoref(match: re.Match[str]) -> str:
    path = match["path"]
    title = path.rsplit(".", 1)[-1] if match["short"] else path
    return f'<autoref identifier="{path}" optional><code>{title}</code></autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring:
            obj.docstring.value = ROLE.sub(_autoref, obj.docstring.value)
