"""The user guide (docs/) and the README, checked against the code.

Every ``python`` code block compiles, and those that are whole DAG files build their DAG, so the
operators' constructors check the parameters the docs show. Every import from the provider
resolves. Every error class has its section in troubleshooting.md, and every class the provider
metadata lists is named in the user guide. No network.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS

from airflow_provider_textiopro import errors
from airflow_provider_textiopro.get_provider_info import get_provider_info

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE = "airflow_provider_textiopro"
# The user guide; the pages under docs/reference/ only hold mkdocstrings directives.
GUIDE = sorted(DOCS.glob("*.md"))
PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
TROUBLESHOOTING = DOCS / "troubleshooting.md"

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<language>[\w+-]*)[^\n]*\n"
    r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
PYTHON_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*py(?:thon)?\b", re.MULTILINE)
PYTHON_LANGUAGES = {"python", "py"}
IMPORT_LINE = re.compile(rf"\bfrom\s+({PACKAGE}(?:\.\w+)*)\s+import\s+(\w+(?:[ \t]*,[ \t]*\w+)*)")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    language: str
    code: str

    @property
    def where(self) -> str:
        """The page and line of the opening fence."""
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def compiled(self):
        """Compile the code; errors name the page and its own line numbers."""
        return compile("\n" * self.line + self.code, str(self.page.relative_to(ROOT)), "exec")


@cache
def text_of(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def code_blocks(page: Path) -> list[Block]:
    text = text_of(page)
    return [
        Block(
            page=page,
            line=text.count("\n", 0, match.start()) + 1,
            language=match["language"].lower(),
            code=textwrap.dedent(match["body"]),
        )
        for match in FENCE.finditer(text)
    ]


PYTHON_BLOCKS = [block for page in PAGES for block in code_blocks(page) if block.language in PYTHON_LANGUAGES]
DAG_FILES = [block for block in PYTHON_BLOCKS if re.search(r"^with DAG\(", block.code, re.MULTILINE)]


def provider_imports() -> dict[tuple[str, str], list[str]]:
    """Return every ``(module, name)`` the docs import from the provider, with where they do.

    ``import airflow_provider_textiopro.x`` gives the name "". Code blocks are parsed; the
    rest of each page (shell commands, prose) is searched for one-line ``from ... import``.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for block in PYTHON_BLOCKS:
        try:
            tree = ast.parse(block.code)
        except SyntaxError:
            continue  # test_python_block_compiles reports it
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            where = f"{block.page.relative_to(ROOT)}:{block.line + node.lineno}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_provider(node.module):
                for alias in node.names:
                    found.setdefault((str(node.module), alias.name), []).append(where)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_provider(alias.name):
                        found.setdefault((alias.name, ""), []).append(where)
    for page in PAGES:
        text = text_of(page)
        for match in IMPORT_LINE.finditer(text):
            where = f"{page.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
            for name in re.split(r"[ \t]*,[ \t]*", match[2]):
                found.setdefault((match[1], name), []).append(where)
    return found


def _is_provider(module: str | None) -> bool:
    return module is not None and (module == PACKAGE or module.startswith(f"{PACKAGE}."))


IMPORTS = provider_imports()


def error_classes() -> list[type[BaseException]]:
    """Return the exception classes defined in errors.py."""
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    ]


def listed_classes() -> list[str]:
    """Return the dotted path of every class the provider metadata lists, by path or by module.

    For a listed module, its public classes count, except the bases of another one of them.
    """
    info = get_provider_info()
    paths = [
        *info.get("notifications", []),
        *info.get("extra-links", []),
        *(connection["hook-class-name"] for connection in info.get("connection-types", [])),
    ]
    modules = [
        module
        for key in ("hooks", "operators", "sensors", "triggers")
        for entry in info.get(key, [])
        for module in entry["python-modules"]
    ]
    modules += [transfer["python-module"] for transfer in info.get("transfers", [])]
    for module in dict.fromkeys(modules):
        classes = [
            cls
            for name, cls in inspect.getmembers(importlib.import_module(module), inspect.isclass)
            if cls.__module__ == module and not name.startswith("_")
        ]
        paths += [
            f"{module}.{cls.__name__}"
            for cls in classes
            if not any(other is not cls and issubclass(other, cls) for other in classes)
        ]
    return list(dict.fromkeys(paths))


def test_every_python_block_is_read():
    for page in PAGES:
        fences = len(PYTHON_FENCE.findall(text_of(page)))
        parsed = sum(block.page == page for block in PYTHON_BLOCKS)
        assert parsed == fences, f"{page.relative_to(ROOT)}: {fences} python fences, {parsed} blocks read"
    assert PYTHON_BLOCKS, "no python code block found in docs/ and README.md"
    assert DAG_FILES, "no snippet is a DAG file"
    assert IMPORTS, "no import from the provider found in docs/ and README.md"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda block: block.where)
def test_python_block_compiles(block: Block):
    try:
        block.compiled()
    except SyntaxError as error:
        pytest.fail(f"{error.filename}:{error.lineno}: {error.msg}")


@pytest.mark.parametrize("block", DAG_FILES, ids=lambda block: block.where)
def test_dag_file_builds(block: Block):
    if not AIRFLOW_V_3_0_PLUS and re.search(r"^from airflow\.sdk import", block.code, re.MULTILINE):
        pytest.skip("written for Airflow 3 (imports airflow.sdk)")
    exec(block.compiled(), {"__name__": "docs_snippet"})


@pytest.mark.parametrize(("module", "name"), sorted(IMPORTS), ids=lambda value: value or "-")
def test_documented_import_resolves(module: str, name: str):
    where = ", ".join(dict.fromkeys(IMPORTS[module, name]))
    try:
        imported = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"{where}: {module} cannot be imported: {error}")
    if not name or name == "*" or hasattr(imported, name):
        return
    try:
        importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        pytest.fail(f"{where}: {module} has no {name}")


@pytest.mark.parametrize("error", error_classes(), ids=lambda cls: cls.__name__)
def test_error_class_is_documented(error: type[BaseException]):
    text = text_of(TROUBLESHOOTING)
    name = error.__name__
    if error is errors.TextioProError:
        assert f"`{name}`" in text, f"troubleshooting.md does not name the base class {name}"
    else:
        assert re.search(rf"^##+ `{name}`[ \t]*$", text, re.MULTILINE), (
            f"troubleshooting.md has no section '## `{name}`'"
        )


@pytest.mark.parametrize("path", listed_classes(), ids=lambda path: path.rpartition(".")[2])
def test_listed_class_is_named_in_the_user_guide(path: str):
    name = path.rpartition(".")[2]
    pages = [page.name for page in GUIDE if re.search(rf"\b{name}\b", text_of(page))]
    assert pages, f"{path} is in get_provider_info() but no page of docs/*.md names it"
