"""The user guide (docs/) and the README, checked against the code.

Every ``python`` code block compiles. A block whose first line is a ``# fragment: ...`` comment
is part of a bigger file and is only compiled; every other block runs as written, against the
session's sandbox (``textiopro_default`` points at it): a whole DAG file (``with DAG(``) with
``dag.test()``, from a DAGs folder holding that file alone, as Airflow 3 needs; any other block
as a script, except the pytest files of the sandbox page (run by test_sandbox_page.py). A page
that says its snippets are complete DAG files holds no other unmarked block.
Every import from the provider resolves. Every error class has its section in troubleshooting.md,
and every class the provider metadata lists is named in the user guide.
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
from typing import Any

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS

from airflow_provider_textiopro import __version__, errors
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
FRAGMENTS = [block for block in PYTHON_BLOCKS if block.code.startswith("# fragment: ")]
DAG_FILES = [
    block
    for block in PYTHON_BLOCKS
    if block not in FRAGMENTS and re.search(r"^with DAG\(", block.code, re.MULTILINE)
]
# The test files of the sandbox page: test_sandbox_page.py writes them out and runs pytest on them.
TEST_FILES = [block for block in PYTHON_BLOCKS if re.match(r"# tests/\w+\.py\n", block.code)]
SCRIPTS = [block for block in PYTHON_BLOCKS if block not in (*FRAGMENTS, *DAG_FILES, *TEST_FILES)]
# `airflow-provider-textiopro` as a requirement (a name, maybe with extras), not a path.
REGISTRY_REQUIREMENT = re.compile(
    r"""(?<![\w./-])["']?airflow-provider-textiopro(\[[\w,]+\])?["']?(?=\s|$)"""
)
WHEEL_NAME = re.compile(r"airflow_provider_textiopro-[\w.]+-py3-none-any\.whl")
COMPLETE_DAGS_CLAIM = "snippets on this page are complete DAG files"


@dataclass(frozen=True)
class ExpectedRun:
    """How a DAG of the docs ends under ``dag.test()``."""

    state: str = "success"
    sends: int = 0  # at least this many send requests reach the sandbox
    error: str | None = None  # on Airflow 3, dag.test() raises this instead


EXPECTED_RUNS = {
    "textiopro_hello": ExpectedRun(sends=1),
    "textiopro_send_message": ExpectedRun(sends=1),
    "textiopro_mapped_send": ExpectedRun(sends=2),
    "textiopro_campaign": ExpectedRun(sends=1),
    "textiopro_wait_for_messages": ExpectedRun(sends=1),
    "textiopro_wait_for_campaign": ExpectedRun(sends=1),
    # load() raises on purpose: the run fails and the notifier sends the alert.
    "textiopro_failure_alerts": ExpectedRun(state="failed", sends=1),
    # apache/airflow#73428: Airflow 3.3's dag.test() of a DAG with a deadline fails after its run.
    "textiopro_nightly_load": ExpectedRun(error="'dict' object has no attribute 'hex'"),
}
SENDS = ("/sms/send", "/sms/campaign")  # the paths of the requests that send, in both auth styles


def dag_bag(folder: Path) -> Any:
    """Parse a DAGs folder as the DAG processor does."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag

        return DagBag(dag_folder=str(folder), include_examples=False)
    return DagBag(dag_folder=str(folder))


def load_dag_file(block: Block, folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Write ``block`` as the only file of the DAGs folder ``folder``; return its DAGs by id.

    Airflow 3's ``dag.test()`` runs the DAG as parsed from the DAGs folder.
    """
    import airflow.settings

    folder.mkdir()
    (folder / f"{block.page.stem.lower()}_{block.line}.py").write_text(block.code, encoding="utf-8")
    monkeypatch.setattr(airflow.settings, "DAGS_FOLDER", str(folder))
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(folder))
    bag = dag_bag(folder)
    assert not bag.import_errors, f"{block.where}: {bag.import_errors}"
    return dict(bag.dags)


def run_dag_file(dag: Any, dags: dict[str, Any]) -> Any:
    """Run ``dag`` with ``dag.test()``; Airflow 2.11 needs the file's DAGs stored first."""
    from tests.dags.dag_runner import run_dag

    return run_dag(dag, dags)


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


def test_what_a_page_says_of_its_snippets_is_true():
    for page in PAGES:
        if COMPLETE_DAGS_CLAIM not in " ".join(text_of(page).split()):
            continue
        others = [block.where for block in SCRIPTS if block.page == page]
        assert not others, f"{page.name} says its {COMPLETE_DAGS_CLAIM}, but these are not: {others}"


@pytest.mark.parametrize("block", FRAGMENTS, ids=lambda block: block.where)
def test_fragment_says_what_it_needs(block: Block):
    reason = block.code.splitlines()[0].removeprefix("# fragment: ")
    assert len(reason.split()) >= 3, f"{block.where}: say what the fragment needs around it"


def needs_airflow_3(block: Block) -> bool:
    return not AIRFLOW_V_3_0_PLUS and bool(re.search(r"^from airflow\.sdk import", block.code, re.MULTILINE))


@pytest.mark.integration
@pytest.mark.parametrize("block", SCRIPTS, ids=lambda block: block.where)
def test_script_runs_against_the_sandbox(block: Block, textiopro_conn: str):
    if needs_airflow_3(block):
        pytest.skip("written for Airflow 3 (imports airflow.sdk)")
    exec(block.compiled(), {"__name__": "__main__"})


@pytest.mark.dags
@pytest.mark.integration
@pytest.mark.parametrize("block", DAG_FILES, ids=lambda block: block.where)
def test_dag_file_runs_against_the_sandbox(
    block: Block, textiopro_conn: str, sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    if needs_airflow_3(block):
        pytest.skip("written for Airflow 3 (imports airflow.sdk)")
    dags = load_dag_file(block, tmp_path / "dags", monkeypatch)
    assert dags, f"{block.where} defines no DAG"
    for dag in dags.values():
        expected = EXPECTED_RUNS.get(dag.dag_id, ExpectedRun())
        if expected.error is not None and AIRFLOW_V_3_0_PLUS:
            with pytest.raises(Exception, match=expected.error):
                run_dag_file(dag, dags)
            continue
        dag_run = run_dag_file(dag, dags)
        states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
        assert dag_run.state == expected.state, f"{block.where}: {dag.dag_id} ended {dag_run.state}: {states}"
        sent = [r.path for r in sandbox.requests if r.method == "POST" and r.path.endswith(SENDS)]
        assert len(sent) >= expected.sends, f"{block.where}: {dag.dag_id} sent {sent}"


def test_install_commands_do_not_ask_the_registry_for_an_unreleased_version():
    newest = re.search(r"^## (\S+)(.*)$", text_of(DOCS / "changelog.md"), re.MULTILINE)
    assert newest, "changelog.md has no version heading"
    assert newest[1] == __version__, f"the changelog's newest version is {newest[1]}, not {__version__}"
    if "unreleased" not in newest[2]:
        return
    from_registry = [
        f"{block.where}: {line.strip()}"
        for page in PAGES
        for block in code_blocks(page)
        if block.language in {"bash", "sh", "shell", "console"}
        for line in block.code.splitlines()
        if re.search(r"\bpip install\b", line) and REGISTRY_REQUIREMENT.search(line)
    ]
    assert not from_registry, f"{__version__} is unreleased, yet these install it from PyPI: {from_registry}"
    wheels = {match for page in PAGES for match in WHEEL_NAME.findall(text_of(page))}
    assert wheels <= {f"airflow_provider_textiopro-{__version__}-py3-none-any.whl"}, wheels


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
