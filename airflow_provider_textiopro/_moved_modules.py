"""Keep the import paths of modules moved before 1.0 working for one release, with a DeprecationWarning.

``import airflow_provider_textiopro.errors`` gives the module now at
``airflow_provider_textiopro.exceptions`` (the same module object), and so on for each path below.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType

_PACKAGE = "airflow_provider_textiopro"

MOVED_MODULES = {
    f"{_PACKAGE}.{old}": new
    for old, new in {
        "errors": f"{_PACKAGE}.exceptions",
        "compat": f"{_PACKAGE}.version_compat",
        "envelope": f"{_PACKAGE}.hooks._internal.answers",
        "outcomes": f"{_PACKAGE}.hooks._internal.answers",
        "retries": f"{_PACKAGE}.hooks._internal.retries",
        "redaction": f"{_PACKAGE}.hooks._internal.redaction",
        "endpoints": f"{_PACKAGE}.hooks._internal.endpoints",
        "connection": f"{_PACKAGE}.hooks._internal.settings",
        "connection_form": f"{_PACKAGE}.hooks._internal.form",
        "session": f"{_PACKAGE}.hooks._internal.session",
        "phone": f"{_PACKAGE}.utils.phone",
        "validation": f"{_PACKAGE}.utils.validation",
        "segments": f"{_PACKAGE}.utils.segments",
        "contact_sync": f"{_PACKAGE}.utils.contact_sync",
        "completion": f"{_PACKAGE}.utils.completion",
        "send_progress": f"{_PACKAGE}.utils.send_progress",
        "replies": f"{_PACKAGE}.utils.replies",
        "sandbox": "textiopro_sandbox",
    }.items()
}
"""Old module path -> new one. Submodules of ``sandbox`` follow it (``...sandbox.server``)."""


def new_name(old: str) -> str | None:
    """Return where the module once at ``old`` lives now, or None if it did not move."""
    if old in MOVED_MODULES:
        return MOVED_MODULES[old]
    parent, _, leaf = old.rpartition(".")
    if parent == f"{_PACKAGE}.sandbox":
        return f"textiopro_sandbox.{leaf}"
    return None


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answer an old path with the module at its new one, warning that the old path goes away."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        moved = importlib.util.find_spec(new)
        is_package = moved is not None and moved.submodule_search_locations is not None
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        new = new_name(module.__name__)
        assert new is not None
        warnings.warn(
            f"{module.__name__} moved to {new}: import it from there "
            "(the old path is removed in the next major release).",
            DeprecationWarning,
            stacklevel=2,
        )
        sys.modules[module.__name__] = importlib.import_module(new)

    def get_code(self, fullname: str) -> CodeType | None:
        """Give ``python -m <old path>`` the code of the new module."""
        new = new_name(fullname)
        spec = importlib.util.find_spec(new) if new else None
        loader = getattr(spec, "loader", None)
        return loader.get_code(new) if loader is not None and hasattr(loader, "get_code") else None


def install() -> None:
    """Make the old paths importable (once per process)."""
    if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedModules())
