"""Write the dag id of every DAG in a folder to a file, in file order; exit 1 on import errors.

Usage: python scripts/list_dags.py DAG_FOLDER OUTPUT_FILE (Airflow's own logs go to stdout, hence the file).
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2
    from airflow.models.dagbag import DagBag


def main(folder: str, output: str) -> int:
    bag = DagBag(dag_folder=folder)
    for path, error in bag.import_errors.items():
        print(f"cannot import {path}:\n{error}", file=sys.stderr)
    dags = sorted(bag.dags.values(), key=lambda dag: dag.fileloc)
    Path(output).write_text("".join(f"{dag.dag_id}\n" for dag in dags))
    return 1 if bag.import_errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
