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
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/datapipe/airflow:0123abc"

BASE_ENV = {
    "IMAGE_REF": IMAGE_REF,
    "IMAGE": IMAGE,
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
    # The tag too: the chart builds task pods' image from repository:tag, never from the digest.
    assert values["images"]["airflow"] == {
        "repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/datapipe/airflow",
        "tag": "0123abc",
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
        pytest.param({"IMAGE": ""}, "is not 123456789012.dkr.ecr.eu-west-1.amazonaws.com/datapipe/airflow:<tag>", id="no tag"),
        pytest.param({"IMAGE": "other/repo:1"}, "is not 123456789012", id="another repository's tag"),
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


CHECK_ENV = {
    "MODE": "create",
    "AWS_REGION_INPUT": "us-east-2",
    "RUNS_ON": '"ubuntu-24.04"',
    "ROLE_TO_ASSUME": "arn:aws:iam::123456789012:role/pipeline",
    "BACKEND_CONFIG": "bucket=state\nkey=dev/terraform.tfstate\nregion=us-east-2",
    "TERRAFORM_VARIABLES": 'cidrs=["203.0.113.0/24"]',
    "IMAGE_REPOSITORY": "datapipe/airflow",
    "UI_SOURCE_RANGES": "203.0.113.0/24",
}


@pytest.mark.parametrize(
    ("mode", "normalised", "extra"),
    [
        pytest.param("create", "create", {}, id="create"),
        pytest.param("true", "create", {}, id="a toggle's true"),
        pytest.param("False", "destroy", {"CONFIRM_DESTROY": "default"}, id="a toggle's False"),
        pytest.param("plan", "plan", {"IMAGE_REPOSITORY": "", "UI_SOURCE_RANGES": ""}, id="plan needs no image or ranges"),
    ],
)
def test_check_inputs_normalises_the_mode(tmp_path, mode, normalised, extra):
    output = tmp_path / "output"
    result = run_script("check_inputs.py", {**CHECK_ENV, **extra, "MODE": mode, "GITHUB_OUTPUT": str(output)})
    assert result.returncode == 0, result.stdout
    assert output.read_text() == f"mode={normalised}\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"MODE": "deploy"}, "Input 'mode' must be create, destroy or plan (or a toggle's true or false); got 'deploy'.", id="unknown mode"),
        pytest.param({"AWS_REGION_INPUT": ""}, "Input 'aws-region' must be an AWS region such as eu-west-1.", id="no region"),
        pytest.param({"ROLE_TO_ASSUME": ""}, "Input 'terraform-role' (or 'role-to-assume' for every job) is required for mode create", id="no role"),
        pytest.param({"IMAGE_ROLE": "pipeline"}, "Input 'image-role' must be an IAM role ARN", id="a role that is not an ARN"),
        pytest.param({"BACKEND_CONFIG": "region=us-east-2"}, "Input 'backend-config' needs a line bucket=", id="no bucket"),
        pytest.param({"BACKEND_CONFIG": "bucket=b\nkey=k\nsecret_key s3cr3t"}, "Input 'backend-config' line 3 must be name=value", id="a malformed backend line"),
        pytest.param({"TERRAFORM_VARIABLES": '{"a": 1}'}, "takes name=value lines, not JSON", id="variables as JSON"),
        pytest.param({"TERRAFORM_VARIABLES": "db_password"}, "Input 'terraform-variables' line 1 must be name=value", id="a malformed variable"),
        pytest.param({"IMAGE_REPOSITORY": ""}, "Input 'image-repository' is required for create", id="no image repository"),
        pytest.param({"UI_SOURCE_RANGES": ""}, "Input 'ui-source-ranges' is required for create", id="no UI ranges"),
        pytest.param({"UI_SOURCE_RANGES": "0.0.0.0/1,128.0.0.0/1"}, "has '0.0.0.0/1', which opens the UI to a large part of the internet", id="the internet in halves"),
        pytest.param({"UI_SOURCE_RANGES": "::/0"}, "has '::/0', which opens the UI", id="the IPv6 internet"),
        pytest.param({"UI_SOURCE_RANGES": "office"}, "has 'office', which is not a CIDR", id="not a CIDR"),
        pytest.param({"MODE": "destroy", "CONFIRM_DESTROY": "dev"}, "Input 'confirm-destroy' must be the Terraform workspace name, default, for destroy (got 'dev')", id="a wrong confirmation"),
        pytest.param({"MODE": "destroy"}, "for destroy (it is empty); nothing was uninstalled or destroyed.", id="no confirmation"),
        pytest.param({"RUNS_ON": "ubuntu-24.04"}, "Input 'runs-on' must be JSON", id="runs-on not JSON"),
    ],
)
def test_check_inputs_names_the_input_to_fix(tmp_path, change, message):
    output = tmp_path / "output"
    result = run_script("check_inputs.py", {**CHECK_ENV, **change, "GITHUB_OUTPUT": str(output)})
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error title=pipeline inputs::")]
    assert errors and message in "\n".join(errors), result.stdout
    assert len(errors) == len(result.stdout.splitlines()), "every line printed is one error"
    assert not output.exists()
    assert "s3cr3t" not in result.stdout


def test_check_inputs_cannot_be_made_to_print_a_workflow_command():
    result = run_script("check_inputs.py", {**CHECK_ENV, "MODE": "x\n::add-mask::y\r::stop-commands::z"})
    assert result.returncode == 1
    assert [line[:2] for line in result.stdout.splitlines()] == ["::"]
    assert "%0A::add-mask::y%0D::stop-commands::z" in result.stdout


def test_backend_file_writes_hcl_and_never_echoes_a_bad_line():
    good = run_script("backend_file.py", {"BACKEND_CONFIG": 'bucket=b\n# note\nkey=a/${x}\nendpoints={ s3 = "http://x" }'})
    assert good.returncode == 0, good.stderr
    assert good.stdout == 'bucket = "b"\nkey = "a/$${x}"\nendpoints = { s3 = "http://x" }\n'
    bad = run_script("backend_file.py", {"BACKEND_CONFIG": "bucket=b\nsecret_key s3cr3t"})
    assert bad.returncode == 1 and "line 2 must be key=value" in bad.stderr and "s3cr3t" not in bad.stderr


def test_compose_releases_names_the_git_credentials_secret_only_when_there_is_one():
    without = yaml.safe_load(run_script("compose_releases.py", BASE_ENV).stdout)[0]["values"]["dags"]["gitSync"]
    assert "credentialsSecret" not in without
    result = run_script("compose_releases.py", {**BASE_ENV, "DAGS_CREDENTIALS_SECRET": "git-credentials"})
    assert yaml.safe_load(result.stdout)[0]["values"]["dags"]["gitSync"]["credentialsSecret"] == "git-credentials"


def test_git_credentials_masks_the_token_and_writes_both_spellings():
    result = run_script("git_credentials.py", {"DAGS_GIT_TOKEN": "ghp_secret123", "SECRET_NAME": "git-credentials"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "::add-mask::ghp_secret123"
    secret = json.loads(result.stdout)
    assert secret["metadata"]["name"] == "git-credentials"
    assert secret["stringData"] == {
        "GITSYNC_USERNAME": "x-access-token",
        "GITSYNC_PASSWORD": "ghp_secret123",
        "GIT_SYNC_USERNAME": "x-access-token",
        "GIT_SYNC_PASSWORD": "ghp_secret123",
    }
    assert run_script("git_credentials.py", {}).returncode == 1
