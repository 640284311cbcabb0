"""Imports every DAG in a folder the way the scheduler's DAG processor does and fails on any error.

Usage: python check_dags.py <dags-folder>
Prints each import error as a GitHub error annotation on its file, and fails when the folder holds
no DAG at all (an empty or wrongly named folder would otherwise pass silently).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_dags.py <dags-folder>", file=sys.stderr)
        return 2
    folder = os.path.abspath(argv[1])
    if not os.path.isdir(folder):
        print(f"::error title=DAG check::'{argv[1]}' is not a folder", file=sys.stderr)
        return 1
    # Importing DAGs must not need a metadata database or examples.
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:
        from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=folder)
    for path, error in sorted(bag.import_errors.items()):
        first = str(error).strip().splitlines()[-1] if str(error).strip() else "import error"
        print(f"::error file={os.path.relpath(path)},title=DAG import error::{first}")
        print(str(error), file=sys.stderr)
    if bag.import_errors:
        print(f"{len(bag.import_errors)} DAG file(s) failed to import", file=sys.stderr)
        return 1
    if not bag.dags:
        print(f"::error title=DAG check::no DAG found in '{argv[1]}'", file=sys.stderr)
        return 1
    for dag_id in sorted(bag.dag_ids):
        print(f"ok: {dag_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
