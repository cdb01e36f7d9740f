"""What docs/sandbox.md says holds: the test example runs as shown, and the request log is as said."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from textiopro_sandbox import run_sandbox

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "sandbox.md"
# A block whose first line is a comment naming a file, such as `# tests/conftest.py`.
FILE_BLOCK = re.compile(
    r"^```python\n# (?P<path>(?:dags|tests)/\w+\.py)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL
)


def page_files() -> dict[str, str]:
    """Return the files the page shows, by path, each with its first-line comment."""
    text = PAGE.read_text(encoding="utf-8")
    return {match["path"]: f"# {match['path']}\n{match['code']}" for match in FILE_BLOCK.finditer(text)}


@pytest.mark.dags
def test_the_dag_test_example_runs_as_shown(tmp_path: Path):
    files = page_files()
    assert {"dags/my_dag.py", "tests/conftest.py", "tests/test_my_dag.py"} <= set(files)
    for path, code in files.items():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(code, encoding="utf-8")
    # The suite's Airflow home (its database is migrated), and nothing else of this suite.
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW__CORE__DAGS_FOLDER"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_control_calls_are_printed_but_not_in_the_request_log():
    stream = io.StringIO()
    with run_sandbox(port=0, log_stream=stream) as sandbox:
        with urllib.request.urlopen(f"{sandbox.url}/_sandbox/health") as answer:
            assert answer.status == 200
        assert sandbox.requests == []
        assert "GET /_sandbox/health -> 200" in stream.getvalue()
    text = " ".join(PAGE.read_text().split())
    assert "They are left out of `GET /_sandbox/requests`" in text
    assert "but are printed on stderr like every request" in text
