"""The helpers pipeline.yml runs: composing the Helm releases and the Airflow Secrets."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SCRIPTS = Path(__file__).resolve().parents[3] / ".github" / "scripts"
DIGEST = "sha256:" + "ab" * 32
IMAGE_REF = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/datapipe/airflow@{DIGEST}"

BASE_ENV = {
    "IMAGE_REF": IMAGE_REF,
    "NAMESPACE": "airflow",
    "CHART_VERSION": "1.22.0",
    "BASE_VALUES": ".pipeline-actions/helm/airflow/values.yaml",
    "CALLER_REPOSITORY": "acme/data",
    "SERVER_URL": "https://github.com",
    "DAGS_BRANCH": "main",
    "DAGS_PATH": "dags",
    "UI_SOURCE_RANGES": "203.0.113.0/24, 198.51.100.7/32",
    "RAW_BUCKET": "raw-b",
    "PROCESSED_BUCKET": "processed-b",
    "WAREHOUSE_WORKGROUP": "wh",
    "WAREHOUSE_DATABASE": "analytics",
    "WAREHOUSE_COPY_ROLE": "arn:aws:iam::123456789012:role/copy",
    "AWS_REGION_NAME": "eu-west-1",
}


def run_script(name, env, stdin=""):
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name)], input=stdin, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60
    )


def test_compose_releases_builds_the_airflow_release():
    result = run_script("compose_releases.py", BASE_ENV)
    assert result.returncode == 0, result.stderr
    [release] = yaml.safe_load(result.stdout)
    assert release["chart"] == "airflow" and release["repository"] == "https://airflow.apache.org"
    assert release["version"] == "1.22.0" and release["namespace"] == "airflow" and release["wait"] is True
    assert release["values-files"] == [".pipeline-actions/helm/airflow/values.yaml"]
    values = release["values"]
    assert values["images"]["airflow"] == {
        "repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/datapipe/airflow",
        "digest": DIGEST,
        "pullPolicy": "IfNotPresent",
    }
    assert values["dags"]["gitSync"] == {"repo": "https://github.com/acme/data.git", "branch": "main", "subPath": "dags"}
    assert values["apiServer"]["service"]["loadBalancerSourceRanges"] == ["203.0.113.0/24", "198.51.100.7/32"]
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["AIRFLOW_VAR_RAW_BUCKET"] == "raw-b" and env["AIRFLOW_VAR_WAREHOUSE_COPY_ROLE"].endswith(":role/copy")
    assert json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"]) == {"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}


def test_compose_releases_appends_the_callers_releases_and_extra_values():
    extra = "# more\n- name: metrics\n  chart: oci://example/metrics\n  namespace: monitoring\n"
    result = run_script("compose_releases.py", {**BASE_ENV, "EXTRA_RELEASES": extra, "EXTRA_VALUES": "helm/mine.yaml"})
    assert result.returncode == 0, result.stderr
    releases = yaml.safe_load(result.stdout)
    assert [r["name"] for r in releases] == ["airflow", "metrics"]
    assert releases[0]["values-files"][-1] == "helm/mine.yaml"


def test_compose_releases_for_uninstall_needs_no_image():
    result = run_script("compose_releases.py", {"NAMESPACE": "airflow", "CHART_VERSION": "1.22.0", "UNINSTALL_ONLY": "true"})
    assert result.returncode == 0, result.stderr
    [release] = yaml.safe_load(result.stdout)
    assert set(release) == {"name", "chart", "repository", "version", "namespace"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"IMAGE_REF": "repo:latest"}, "is not <repository>@sha256:<digest>", id="a tag, not a digest"),
        pytest.param({"UI_SOURCE_RANGES": "0.0.0.0/0"}, "whole internet", id="open to the world"),
        pytest.param({"UI_SOURCE_RANGES": ""}, "ui-source-ranges is empty", id="no ranges"),
        pytest.param({"UI_SOURCE_RANGES": "office"}, "is not a CIDR", id="not a CIDR"),
        pytest.param({"EXTRA_RELEASES": "[{name: x}]"}, "YAML block list", id="flow-style releases"),
    ],
)
def test_compose_releases_rejects_bad_values(change, message):
    result = run_script("compose_releases.py", {**BASE_ENV, **change})
    assert result.returncode == 1
    assert result.stderr.startswith("::error title=pipeline::") and message in result.stderr


DB_SECRET = json.dumps({"username": "airflow", "password": "p@ss:w/rd%"})
DB_ENV = {"DB_HOST": "db.internal", "DB_PORT": "5432", "DB_NAME": "airflow", "RELEASE": "airflow"}


def secrets_by_name(stdout):
    manifest = json.loads(stdout)
    assert manifest["kind"] == "List"
    return {item["metadata"]["name"]: item["stringData"] for item in manifest["items"]}


def test_airflow_secrets_masks_first_and_builds_the_chart_secrets():
    result = run_script("airflow_secrets.py", DB_ENV, DB_SECRET)
    assert result.returncode == 0, result.stderr
    masks = [line.removeprefix("::add-mask::") for line in result.stderr.splitlines() if line.startswith("::add-mask::")]
    assert masks[:2] == ["p@ss:w/rd%", "p%40ss%3Aw%2Frd%25"]
    secrets = secrets_by_name(result.stdout)
    assert set(secrets) == {"airflow-metadata", "airflow-pgbouncer-config", "airflow-pgbouncer-stats", "airflow-keys"}
    assert secrets["airflow-metadata"]["connection"] == "postgresql://airflow:p%40ss%3Aw%2Frd%25@airflow-pgbouncer:6543/airflow-metadata?sslmode=disable"
    ini = secrets["airflow-pgbouncer-config"]["pgbouncer.ini"]
    assert "airflow-metadata = host=db.internal dbname=airflow port=5432" in ini and "server_tls_sslmode = require" in ini
    assert secrets["airflow-pgbouncer-config"]["users.txt"] == '"airflow" "p@ss:w/rd%"\n'
    keys = secrets["airflow-keys"]
    assert set(keys) == {"fernet-key", "api-secret-key", "jwt-secret", "admin-password"}
    assert len(base64.urlsafe_b64decode(keys["fernet-key"])) == 32
    assert all(value in masks for value in keys.values())


def test_airflow_secrets_keeps_existing_keys():
    kept = {"fernet-key": "F" * 44, "api-secret-key": "api", "jwt-secret": "jwt", "admin-password": "admin"}
    existing = json.dumps({"data": {k: base64.b64encode(v.encode()).decode() for k, v in kept.items()}})
    result = run_script("airflow_secrets.py", {**DB_ENV, "EXISTING_KEYS": existing}, DB_SECRET)
    assert result.returncode == 0, result.stderr
    assert secrets_by_name(result.stdout)["airflow-keys"] == kept
