"""The DAG folder imports cleanly under the pinned Airflow, with the task graph we expect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1]
CHECK = DAGS.parent / ".github" / "scripts" / "check_dags.py"


def _dagbag(folder: Path):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(folder))


def test_dag_folder_imports_without_errors():
    bag = _dagbag(DAGS)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["trips_to_warehouse"]


def test_tasks_run_extract_transform_load_in_order():
    dag = _dagbag(DAGS).dags["trips_to_warehouse"]
    assert [t.task_id for t in dag.topological_sort()] == ["extract_to_raw", "transform_to_processed", "load_to_warehouse"]
    assert dag.get_task("extract_to_raw").downstream_task_ids == {"transform_to_processed"}
    assert dag.get_task("transform_to_processed").downstream_task_ids == {"load_to_warehouse"}
    assert dag.max_active_runs == 1 and dag.catchup is False


@pytest.mark.parametrize(
    ("files", "code", "expected"),
    [
        pytest.param({"good.py": (DAGS / "trips_to_warehouse.py").read_text()}, 0, "ok: trips_to_warehouse", id="a valid DAG"),
        pytest.param({"broken.py": "from airflow.sdk import dag\nimport not_a_module_anywhere\n"}, 1, "::error file=", id="an import error"),
        pytest.param({"notes.txt": "nothing here"}, 1, "no DAG found", id="no DAG at all"),
    ],
)
def test_check_dags_script(tmp_path, files, code, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    # The valid DAG imports the helper package from its own folder, as under git-sync.
    if "good.py" in files:
        (tmp_path / "lake").symlink_to(DAGS / "lake")
    result = subprocess.run([sys.executable, str(CHECK), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == code, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
