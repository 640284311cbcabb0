"""The helpers pipeline.yml runs: composing the Helm releases and the Airflow Secrets."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

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
    "DAGS_REF": "0123456789abcdef0123456789abcdef01234567",
    "UI_SOURCE_RANGES": "203.0.113.0/24, 198.51.100.7/32",
    "RAW_BUCKET": "raw-b",
    "PROCESSED_BUCKET": "processed-b",
    "WAREHOUSE_WORKGROUP": "wh",
    "WAREHOUSE_DATABASE": "analytics",
    "WAREHOUSE_COPY_ROLE": "arn:aws:iam::123456789012:role/copy",
    "AWS_REGION_NAME": "eu-west-1",
}


def run_script(name, env, stdin="", cwd=None):
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name)], input=stdin, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60, cwd=cwd
    )


REPOSITORY = SCRIPTS.parents[1]
VOLUME_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def compose_in_workspace(tmp_path, env):
    """compose_releases.py as the deploy job runs it: in the caller's workspace, pipeline-actions in .pipeline-actions."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / ".pipeline-actions").symlink_to(REPOSITORY, target_is_directory=True)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"volume_kms_key_arn": {"value": VOLUME_KEY, "type": "string", "sensitive": False}}))
    return run_script("compose_releases.py", {"TF_OUTPUTS_FILE": str(outputs), **env}, cwd=tmp_path)


def test_compose_releases_builds_the_airflow_release(tmp_path):
    result = compose_in_workspace(tmp_path, BASE_ENV)
    assert result.returncode == 0, result.stderr
    [storage, release] = yaml.safe_load(result.stdout)
    # First the preset's StorageClass, its kmsKeyId the environment's volumes key from the Terraform output.
    assert storage == {"name": "airflow-storage", "manifests": [".pipeline-deploy/airflow-storage"]}
    [filled] = (tmp_path / ".pipeline-deploy" / "airflow-storage").iterdir()
    storage_class = yaml.safe_load(filled.read_text())
    assert storage_class["kind"] == "StorageClass" and storage_class["provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"] == {"type": "gp3", "encrypted": "true", "kmsKeyId": VOLUME_KEY, "csi.storage.k8s.io/fstype": "ext4"}
    # The class the values' volume claims name.
    values_file = yaml.safe_load((REPOSITORY / "helm" / "airflow" / "values.yaml").read_text())
    assert values_file["triggerer"]["persistence"]["storageClassName"] == storage_class["metadata"]["name"]
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
    # The commit the run deploys, as both git-sync v4 (ref) and v3 (rev) read it.
    assert values["dags"]["gitSync"] == {
        "repo": "https://github.com/acme/data.git",
        "branch": "main",
        "subPath": "dags",
        "ref": "0123456789abcdef0123456789abcdef01234567",
        "rev": "0123456789abcdef0123456789abcdef01234567",
    }
    assert values["apiServer"]["service"]["loadBalancerSourceRanges"] == ["203.0.113.0/24", "198.51.100.7/32"]
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["AIRFLOW_VAR_RAW_BUCKET"] == "raw-b" and env["AIRFLOW_VAR_WAREHOUSE_COPY_ROLE"].endswith(":role/copy")
    assert json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"]) == {"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}


def test_compose_releases_appends_the_callers_releases_and_extra_values(tmp_path):
    extra = "# more\n- name: metrics\n  chart: oci://example/metrics\n  namespace: monitoring\n"
    result = compose_in_workspace(tmp_path, {**BASE_ENV, "EXTRA_RELEASES": extra, "EXTRA_VALUES": "helm/mine.yaml"})
    assert result.returncode == 0, result.stderr
    releases = yaml.safe_load(result.stdout)
    assert [r["name"] for r in releases] == ["airflow-storage", "airflow", "metrics"]
    assert releases[1]["values-files"][-1] == "helm/mine.yaml"


def test_compose_releases_for_uninstall_needs_no_image():
    result = run_script("compose_releases.py", {"NAMESPACE": "airflow", "CHART_VERSION": "1.22.0", "UNINSTALL_ONLY": "true"})
    assert result.returncode == 0, result.stderr
    [storage, release] = yaml.safe_load(result.stdout)
    # Where the StorageClass came from is enough to delete it by its label; no Terraform output is needed.
    assert storage == {"name": "airflow-storage", "manifests": [".pipeline-actions/helm/airflow/storage-class.yaml"]}
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
    assert set(secrets) == {"airflow-metadata", "airflow-pgbouncer-config", "airflow-pgbouncer-stats", "airflow-keys", "airflow-db-admin"}
    keys = secrets["airflow-keys"]
    assert set(keys) == {"fernet-key", "api-secret-key", "jwt-secret", "admin-password", "db-password"}
    assert len(base64.urlsafe_b64decode(keys["fernet-key"])) == 32
    assert all(value in masks for value in keys.values())
    # Airflow runs as its own user with its own kept password; the master user is never in what it reads.
    app_password = keys["db-password"]
    encoded = quote(app_password, safe="")
    assert encoded in masks
    assert secrets["airflow-metadata"]["connection"] == f"postgresql://airflow_app:{encoded}@airflow-pgbouncer:6543/airflow-metadata?sslmode=disable"
    ini = secrets["airflow-pgbouncer-config"]["pgbouncer.ini"]
    assert "airflow-metadata = host=db.internal dbname=airflow port=5432" in ini and "server_tls_sslmode = require" in ini
    assert "stats_users = airflow_app" in ini
    assert secrets["airflow-pgbouncer-config"]["users.txt"] == f'"airflow_app" "{app_password}"\n'
    assert "p@ss:w/rd%" not in json.dumps({name: data for name, data in secrets.items() if name != "airflow-db-admin"})
    # The master credentials, for the migration job's database-user step only (deleted after the deploy).
    assert secrets["airflow-db-admin"] == {"host": "db.internal", "port": "5432", "dbname": "airflow", "username": "airflow", "password": "p@ss:w/rd%"}


def test_airflow_secrets_keeps_existing_keys():
    kept = {"fernet-key": "F" * 44, "api-secret-key": "api", "jwt-secret": "jwt", "admin-password": "admin", "db-password": "own-Pa55"}
    existing = json.dumps({"data": {k: base64.b64encode(v.encode()).decode() for k, v in kept.items()}})
    result = run_script("airflow_secrets.py", {**DB_ENV, "EXISTING_KEYS": existing}, DB_SECRET)
    assert result.returncode == 0, result.stderr
    secrets = secrets_by_name(result.stdout)
    assert secrets["airflow-keys"] == kept
    # Airflow's own password is kept across deploys: nothing running sees it change.
    assert secrets["airflow-pgbouncer-config"]["users.txt"] == '"airflow_app" "own-Pa55"\n'


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
    assert output.read_text().splitlines()[0] == f"mode={normalised}"


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
        pytest.param({"IMAGE_REPOSITORY": ""}, "Deployment 'airflow' (the airflow preset) deploys image 'airflow', which no job builds", id="no image repository"),
        pytest.param({"UI_SOURCE_RANGES": ""}, "Input 'ui-source-ranges' is required for create", id="no UI ranges"),
        pytest.param({"UI_SOURCE_RANGES": "0.0.0.0/1,128.0.0.0/1"}, "has '0.0.0.0/1', which opens the UI to a large part of the internet", id="the internet in halves"),
        pytest.param({"UI_SOURCE_RANGES": "::/0"}, "has '::/0', which opens the UI", id="the IPv6 internet"),
        pytest.param({"UI_SOURCE_RANGES": "office"}, "has 'office', which is not a CIDR", id="not a CIDR"),
        pytest.param({"MODE": "destroy", "CONFIRM_DESTROY": "dev"}, "Input 'confirm-destroy' must be the Terraform workspace name, default, for destroy (got 'dev')", id="a wrong confirmation"),
        pytest.param({"MODE": "destroy"}, "for destroy (it is empty); nothing was uninstalled or destroyed.", id="no confirmation"),
        pytest.param({"RUNS_ON": "ubuntu-24.04"}, "Input 'runs-on' must be JSON", id="runs-on not JSON"),
        pytest.param({"TERRAFORM_BINARY": "terragrunt"}, "Input 'terraform-binary' must be terraform or tofu (OpenTofu); got 'terragrunt'.", id="an unknown Terraform binary"),
        pytest.param({"TERRAFORM_VERSION": "latest"}, "Input 'terraform-version' must be an exact release such as 1.11.4", id="a Terraform version that is not a release"),
        pytest.param({"DAGS_REPOSITORY": "https://github.com/acme/dags.git"}, "Input 'dags-ref' is required with dags-repository", id="another DAG repository, no commit"),
        pytest.param({"REVIEWED_PLAN": "latest"}, "Input 'reviewed-plan' must be auto, pr-<number> (such as pr-42) or empty; got 'latest'.", id="a reviewed plan that names nothing"),
        pytest.param(
            {"MODE": "plan", "REVIEWED_PLAN": "auto"},
            "Input 'reviewed-plan' applies a pull request's reviewed plan: it works with mode create only; mode is plan.",
            id="a reviewed plan with another mode",
        ),
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


def test_compose_releases_names_the_git_credentials_secret_only_when_there_is_one(tmp_path):
    without = yaml.safe_load(compose_in_workspace(tmp_path / "a", BASE_ENV).stdout)[1]["values"]["dags"]["gitSync"]
    assert "credentialsSecret" not in without
    result = compose_in_workspace(tmp_path / "b", {**BASE_ENV, "DAGS_CREDENTIALS_SECRET": "git-credentials"})
    assert yaml.safe_load(result.stdout)[1]["values"]["dags"]["gitSync"]["credentialsSecret"] == "git-credentials"


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


STREAMING_IMAGES = """
- name: api
  repository: streaming/api
  context: api
  build-args: {PYTHON_VERSION: "3.12"}
  secrets: [pip_index_token]
- name: spark
  repository: streaming/spark
  context: spark
  cache: false
"""


def test_check_inputs_gives_the_image_job_one_leg_per_image(tmp_path):
    output = tmp_path / "output"
    deployments = "- name: api\n  chart: ./charts/api\n  values:\n    image: ((image.api.ref))\n"
    env = {**CHECK_ENV, "IMAGES": STREAMING_IMAGES, "DEPLOYMENTS": deployments, "UI_SOURCE_RANGES": "", "GITHUB_OUTPUT": str(output)}
    result = run_script("check_inputs.py", env)
    assert result.returncode == 0, result.stdout
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())
    images = json.loads(lines["images"])
    assert [image["name"] for image in images] == ["api", "spark"]
    assert images[0] == {
        "name": "api",
        "repository": "streaming/api",
        "context": "api",
        "dockerfile": "",
        "target": "",
        "build-args": "PYTHON_VERSION=3.12",
        "secrets": ["pip_index_token"],
        "cache": True,
        "platforms": "",
    }
    # No Airflow preset in the list: no UI source ranges needed.
    assert lines["airflow"] == "false"


def test_check_inputs_keeps_the_single_airflow_image_of_todays_callers(tmp_path):
    output = tmp_path / "output"
    result = run_script("check_inputs.py", {**CHECK_ENV, "DOCKER_CONTEXT": ".", "IMAGE_CACHE": "true", "GITHUB_OUTPUT": str(output)})
    assert result.returncode == 0, result.stdout
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(lines["images"]) == [
        {
            "name": "airflow",
            "repository": "datapipe/airflow",
            "context": ".",
            "dockerfile": "",
            "target": "",
            "build-args": "",
            "secrets": [],
            "cache": True,
            "platforms": "",
        }
    ]
    assert lines["airflow"] == "true"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"DEPLOYMENTS": "- name: web\n  chart: ./charts/web\n  values:\n    image: ((image.frontend.ref))\n"},
            "Deployment 'web' uses ((image.frontend.ref)), but no job builds an image named 'frontend'; the images are api, spark.",
            id="an image no job builds",
        ),
        pytest.param(
            {"DEPLOYMENTS": "- name: web\n  chart: ./charts/web\n  values:\n    image: ((image.api.sha))\n"},
            "Deployment 'web' uses ((image.api.sha)); an image has ref, image, repository, tag, digest, registry.",
            id="an image field that does not exist",
        ),
        pytest.param(
            {"DEPLOYMENTS": "- preset: airflow\n"},
            "Deployment 'airflow' (the airflow preset) deploys image 'airflow', which no job builds",
            id="the Airflow preset without its image",
        ),
        pytest.param({"DEPLOYMENTS": "- preset: superset\n"}, "preset 'superset' is not one of airflow", id="an unknown preset"),
        pytest.param({"DEPLOYMENTS": "- name: web\n"}, "needs a chart (a Helm release), manifests or a kustomization, or a preset", id="nothing to deploy"),
        pytest.param({"DEPLOYMENTS": "- name: web\n  chart: x\n  valeus: {}\n"}, "has an unknown field 'valeus'", id="a misspelt field"),
        pytest.param({"DEPLOYMENTS": "- name: a\n  chart: x\n- name: a\n  kustomization: k\n"}, "lists 'a' twice", id="a name twice"),
        pytest.param({"IMAGES": "- name: api\n"}, "image 'api' needs a repository", id="an image without a repository"),
        pytest.param({"IMAGES": "- name: api\n  repository: r\n  build-args: [A=1]\n"}, "build-args must be a map", id="build args as a list"),
        pytest.param({"IMAGES": "- name: Api\n  repository: r\n"}, "name 'Api' must be lowercase", id="an image name in capitals"),
        pytest.param({"IMAGES": "name: api"}, "Input 'images' must be a YAML list of maps", id="a map, not a list"),
        pytest.param({"DEPLOYMENTS": "- name: [\n"}, "Input 'deployments' is not valid YAML at line", id="broken YAML"),
    ],
)
def test_check_inputs_refuses_a_bad_list_before_anything_is_created(tmp_path, change, message):
    output = tmp_path / "output"
    env = {**CHECK_ENV, "IMAGES": STREAMING_IMAGES, "DEPLOYMENTS": "[]", **change, "GITHUB_OUTPUT": str(output)}
    result = run_script("check_inputs.py", env)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error title=pipeline inputs::")]
    assert errors and message in "\n".join(errors), result.stdout
    assert not output.exists()


def test_check_inputs_reads_image_placeholders_in_the_callers_manifests(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "deployment.yaml").write_text("kind: Deployment\nspec:\n  image: ((image.worker.ref))\n")
    env = {
        **CHECK_ENV,
        "IMAGES": STREAMING_IMAGES,
        "DEPLOYMENTS": "- name: apps\n  manifests: [k8s]\n",
        "CALLER_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    result = run_script("check_inputs.py", env)
    assert result.returncode == 1
    assert "Deployment 'apps' has ((image.worker.ref)) in its manifests, but no job builds an image named 'worker'." in result.stdout


def write_images(folder: Path) -> None:
    folder.mkdir()
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    for name in ("api", "spark"):
        record = {"name": name, "image-ref": f"{registry}/streaming/{name}@{DIGEST}", "image": f"{registry}/streaming/{name}:0123abc"}
        (folder / f"{name}.json").write_text(json.dumps(record))


def test_compose_fills_in_the_images_and_terraform_outputs_in_order(tmp_path):
    write_images(tmp_path / "images")
    (tmp_path / "outputs.json").write_text(json.dumps({"cluster_name": {"value": "c"}, "events_bucket": {"value": "ev-b"}, "replicas": {"value": 3}}))
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "spark.yaml").write_text("image: ((image.spark.ref))\nbucket: s3://((terraform.events_bucket))/in\n")
    (tmp_path / "k8s" / "plain.yaml").write_text("kind: Namespace\n")
    deployments = """
- name: ingress
  chart: ingress-nginx
  repository: https://kubernetes.github.io/ingress-nginx
  version: "4.13.0"
- name: api
  chart: ./charts/api
  namespace: streaming
  values:
    image:
      repository: ((image.api.repository))
      tag: ((image.api.tag))
    replicas: ((terraform.replicas))
    bucket: s3://((terraform.events_bucket))
- name: apps
  manifests: [k8s]
  namespace: streaming
"""
    env = {"DEPLOYMENTS": deployments, "IMAGES_DIR": str(tmp_path / "images"), "TF_OUTPUTS_FILE": str(tmp_path / "outputs.json")}
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "compose_releases.py")], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    releases = yaml.safe_load(result.stdout)
    assert [release["name"] for release in releases] == ["ingress", "api", "apps"]
    assert releases[1]["values"] == {
        "image": {"repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streaming/api", "tag": "0123abc"},
        "replicas": 3,
        "bucket": "s3://ev-b",
    }
    # The manifests that name an image are deployed from filled-in copies.
    assert releases[2]["manifests"] == [".pipeline-deploy/apps"]
    copies = sorted((tmp_path / ".pipeline-deploy" / "apps").iterdir())
    assert [copy.name for copy in copies] == ["000-plain.yaml", "001-spark.yaml"]
    assert copies[1].read_text() == f"image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/streaming/spark@{DIGEST}\nbucket: s3://ev-b/in\n"


def test_compose_for_uninstall_keeps_where_each_entry_lives(tmp_path):
    deployments = "- preset: airflow\n- name: api\n  chart: ./charts/api\n  namespace: s\n  values: {image: ((image.api.ref))}\n- name: apps\n  kustomization: k8s/prod\n"
    result = run_script("compose_releases.py", {"DEPLOYMENTS": deployments, "CHART_VERSION": "1.22.0", "UNINSTALL_ONLY": "true"})
    assert result.returncode == 0, result.stderr
    releases = yaml.safe_load(result.stdout)
    assert releases[2:] == [{"name": "api", "chart": "./charts/api", "namespace": "s"}, {"name": "apps", "kustomization": "k8s/prod"}]


def test_compose_names_a_terraform_output_that_does_not_exist(tmp_path):
    (tmp_path / "outputs.json").write_text(json.dumps({"cluster_name": {"value": "c"}}))
    env = {"DEPLOYMENTS": "- name: api\n  chart: x\n  values: {bucket: ((terraform.bucket))}\n", "TF_OUTPUTS_FILE": str(tmp_path / "outputs.json")}
    result = run_script("compose_releases.py", env)
    assert result.returncode == 1
    assert "Deployment 'api' uses ((terraform.bucket)), but the environment's Terraform has no output 'bucket'" in result.stderr


def test_build_secrets_selects_only_the_images_own_and_masks_every_value(tmp_path):
    output = tmp_path / "output"
    env = {
        "BUILD_SECRETS": "pip_index_token=t0k=en\nother_token=nope\n",
        "WANTED": '["pip_index_token"]',
        "IMAGE_NAME": "api",
        "GITHUB_OUTPUT": str(output),
    }
    result = run_script("build_secrets.py", env)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[:2] == ["::add-mask::t0k=en", "::add-mask::nope"]
    text = output.read_text()
    assert "pip_index_token=t0k=en" in text and "nope" not in text
    missing = run_script("build_secrets.py", {**env, "WANTED": '["npm_token"]'})
    assert missing.returncode == 1
    assert "Image 'api' lists build secret 'npm_token', which the build-secrets secret does not hold" in missing.stdout
    assert "t0k=en" not in missing.stdout.replace("::add-mask::t0k=en", "")


# Where the cluster's API is reached from: refused in check-inputs when the runners cannot reach it (issue #15).
LIMITED = 'eks_public_access_cidrs=["203.0.113.0/24"]'


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"TERRAFORM_VARIABLES": "cluster_endpoint_access=private"},
            "sets cluster_endpoint_access=private, but the jobs run on GitHub-hosted runners (runs-on \"ubuntu-24.04\")",
            id="a private endpoint from ubuntu-24.04",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": 'cluster_endpoint_access="private"', "RUNS_ON": '["windows-2025"]'},
            "cannot reach a private endpoint: set runs-on to runners inside the VPC",
            id="a private endpoint from windows-*",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": LIMITED, "RUNS_ON": '"macos-15"'},
            "limits the public cluster API to eks_public_access_cidrs, but the jobs run on GitHub-hosted runners",
            id="a CIDR-limited endpoint from macos-*",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": f"cluster_endpoint_access=public\n{LIMITED}", "RUNS_ON": '["self-hosted", "vpc"]', "RUNNER_ENVIRONMENT": "github-hosted"},
            "set public_api_open_to_all=true",
            id="the runner says it is GitHub's, whatever its labels",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": 'eks_public_access_cidrs=["0.0.0.0/1", "128.0.0.0/1"]', "RUNNER_ENVIRONMENT": "self-hosted"},
            "eks_public_access_cidrs has '0.0.0.0/1'; it takes IPv4 CIDRs of /8 or longer. To open the cluster's API to every address, say so with public_api_open_to_all=true",
            id="the internet in halves without the opt-in",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": 'eks_public_access_cidrs=["0.0.0.0/0"]', "RUNS_ON": '["self-hosted"]'},
            "eks_public_access_cidrs has '0.0.0.0/0'",
            id="0.0.0.0/0 as a CIDR",
        ),
        pytest.param(
            {"TERRAFORM_VARIABLES": "eks_public_access_cidrs=[" + ", ".join(f'"198.51.{n}.0/24"' for n in range(41)) + "]", "RUNNER_ENVIRONMENT": "self-hosted"},
            "eks_public_access_cidrs lists 41 CIDRs; EKS takes at most 40",
            id="more than EKS's 40",
        ),
    ],
)
def test_check_inputs_refuses_an_endpoint_the_runners_cannot_reach(tmp_path, change, message):
    output = tmp_path / "output"
    result = run_script("check_inputs.py", {**CHECK_ENV, **change, "GITHUB_OUTPUT": str(output)})
    assert result.returncode == 1, result.stdout
    errors = result.stdout.splitlines()
    # One line per problem (a CIDR each), each naming the setting.
    assert errors and all(line.startswith("::error title=pipeline inputs::Input 'terraform-variables'") for line in errors), result.stdout
    assert message in errors[0]
    assert not output.exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"TERRAFORM_VARIABLES": "public_api_open_to_all=true"}, id="GitHub-hosted runners with the API open to all, by name"),
        pytest.param({"TERRAFORM_VARIABLES": "cluster_endpoint_access=private", "RUNS_ON": '["self-hosted", "vpc"]'}, id="a private endpoint from self-hosted runners"),
        pytest.param({"TERRAFORM_VARIABLES": "cluster_endpoint_access=private", "RUNS_ON": '{"group": "in-vpc"}'}, id="a private endpoint from a runner group"),
        pytest.param({"TERRAFORM_VARIABLES": LIMITED, "RUNNER_ENVIRONMENT": "self-hosted"}, id="listed CIDRs from a self-hosted runner labelled ubuntu-24.04"),
        pytest.param({"TERRAFORM_VARIABLES": "cluster_endpoint_access=private", "MODE": "plan"}, id="a plan, which never reaches the cluster"),
        # A bare value is Terraform's to refuse, with its type in the message (the infrastructure job does).
        pytest.param({"TERRAFORM_VARIABLES": "eks_public_access_cidrs=203.0.113.0/24", "RUNNER_ENVIRONMENT": "self-hosted"}, id="a value that is not an HCL list"),
    ],
)
def test_check_inputs_accepts_an_endpoint_the_runners_reach(tmp_path, change):
    output = tmp_path / "output"
    result = run_script("check_inputs.py", {**CHECK_ENV, **change, "GITHUB_OUTPUT": str(output)})
    assert result.returncode == 0, result.stdout
    assert output.read_text().splitlines()[0] == f"mode={'plan' if change.get('MODE') == 'plan' else 'create'}"


# Environment protections, asked of a small fake of GitHub's API on loopback (issue #16).
TOKEN = "ghs_fakeTokenNeverPrinted0123456789"


@pytest.fixture
def github_api():
    """GET /repos/acme/data/environments/<name> answers what `environments` holds (status, body) by name."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"environments": {}, "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            state["requests"].append({"path": self.path, "authorization": self.headers.get("Authorization"), "version": self.headers.get("X-GitHub-Api-Version")})
            prefix = "/repos/acme/data/environments/"
            status, body = state["environments"].get(self.path[len(prefix) :], (404, {"message": "Not Found"})) if self.path.startswith(prefix) else (404, {})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, body = 401, {"message": "Bad credentials"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def environment(rules=(), branch_policy=None):
    return (200, {"id": 1, "name": "dev", "protection_rules": list(rules), "deployment_branch_policy": branch_policy})


REVIEWERS = {"id": 2, "type": "required_reviewers", "prevent_self_review": True, "reviewers": [{"type": "Team", "reviewer": {"slug": "platform"}}]}
WAIT = {"id": 3, "type": "wait_timer", "wait_timer": 5}


def check_environment(api, name="dev", **extra):
    return run_script(
        "check_environment.py",
        {"GITHUB_API_URL": api["url"], "GITHUB_REPOSITORY": "acme/data", "GITHUB_TOKEN": TOKEN, "ENVIRONMENT": name, "MODE": "create", **extra},
    )


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        pytest.param(environment([REVIEWERS]), "required reviewers", id="required reviewers"),
        pytest.param(environment([WAIT, {"id": 4, "type": "branch_policy"}], {"protected_branches": True, "custom_branch_policies": False}), "protected branches only", id="protected branches"),
        pytest.param(environment([], {"protected_branches": False, "custom_branch_policies": True}), "deployment branch rules", id="branch rules"),
    ],
)
def test_check_environment_passes_a_protected_environment(github_api, answer, said):
    github_api["environments"]["dev"] = answer
    result = check_environment(github_api)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == f"environment 'dev' is protected by {said}"
    assert github_api["requests"] == [{"path": "/repos/acme/data/environments/dev", "authorization": f"Bearer {TOKEN}", "version": "2022-11-28"}]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(environment([WAIT]), "Environment 'dev' has neither required reviewers nor deployment branches", id="a wait timer alone"),
        pytest.param(environment([{**REVIEWERS, "reviewers": []}]), "In Settings → Environments → dev, add required reviewers", id="a reviewers rule naming nobody"),
        pytest.param(None, "Environment 'dev' does not exist in acme/data: GitHub would create it with no protection", id="no such environment"),
        pytest.param((403, {"message": "Resource not accessible by integration"}), "grant `actions: read` in the permissions of the job that calls pipeline.yml", id="a token without actions: read"),
        pytest.param((500, {}), "GitHub's API answered HTTP 500 for environment 'dev'", id="an API error"),
    ],
)
def test_check_environment_fails_with_the_fix(github_api, answer, message):
    if answer is not None:
        github_api["environments"]["dev"] = answer
    result = check_environment(github_api)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("::error title=environment protections::") and message in line, line
    assert TOKEN not in result.stdout + result.stderr


def test_check_environment_names_the_environment_in_the_path_encoded(github_api):
    github_api["environments"]["prod%2Feu"] = environment([REVIEWERS])
    result = check_environment(github_api, name="prod/eu")
    assert result.returncode == 0, result.stdout
    assert github_api["requests"][0]["path"] == "/repos/acme/data/environments/prod%2Feu"


def test_check_environment_warns_when_the_caller_goes_on_knowingly(github_api):
    github_api["environments"]["dev"] = environment([WAIT])
    result = check_environment(github_api, ALLOW_UNPROTECTED_ENVIRONMENT="true")
    assert result.returncode == 0
    [line] = result.stdout.splitlines()
    assert line.startswith("::warning title=environment protections::Environment 'dev' has neither") and "going on" in line


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        pytest.param({"MODE": "plan"}, 0, "checked for create and destroy, not plan", id="a plan is not checked"),
        pytest.param({"GITHUB_TOKEN": ""}, 1, "the step needs GITHUB_TOKEN with `actions: read`", id="no token"),
        pytest.param({"GITHUB_API_URL": "http://127.0.0.1:9"}, 1, "GitHub's API could not be reached", id="no API"),
    ],
)
def test_check_environment_without_an_answer(github_api, extra, code, message):
    result = check_environment(github_api, **extra)
    assert result.returncode == code and message in result.stdout, result.stdout
    if extra.get("MODE") == "plan":
        assert github_api["requests"] == []


# The Airflow preset's StorageClass, encrypted with the environment's KMS key (issue #16).
def test_compose_names_the_volume_key_output_a_terraform_root_must_give(tmp_path):
    (tmp_path / ".pipeline-actions").symlink_to(REPOSITORY, target_is_directory=True)
    (tmp_path / "outputs.json").write_text(json.dumps({"cluster_name": {"value": "c"}}))
    result = run_script("compose_releases.py", {**BASE_ENV, "TF_OUTPUTS_FILE": str(tmp_path / "outputs.json")}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Deployment 'airflow-storage' (" in result.stderr
    assert "uses ((terraform.volume_kms_key_arn)), but the environment's Terraform has no output 'volume_kms_key_arn'" in result.stderr


@pytest.mark.parametrize(
    ("deployments", "message"),
    [
        pytest.param("- name: airflow-storage\n  manifests: k8s\n- preset: airflow\n", "lists 'airflow-storage', the name of what the airflow preset deploys before its chart", id="before the preset"),
        pytest.param("- preset: airflow\n- name: airflow-storage\n  manifests: k8s\n", "lists 'airflow-storage', the name of what the airflow preset deploys before its chart", id="after the preset"),
    ],
)
def test_check_inputs_keeps_the_name_of_the_presets_storage_class_entry(deployments, message):
    result = run_script("check_inputs.py", {**CHECK_ENV, "DEPLOYMENTS": deployments})
    assert result.returncode == 1
    assert message in result.stdout


def test_render_deployments_renders_the_presets_storage_class_for_kubeconform(tmp_path):
    (tmp_path / ".pipeline-actions").symlink_to(REPOSITORY, target_is_directory=True)
    output = tmp_path / "output"
    result = run_script("render_deployments.py", {"DEPLOYMENTS": "- preset: airflow\n", "GITHUB_OUTPUT": str(output)}, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    [path] = [line for line in output.read_text().splitlines() if line.endswith(".yaml")]
    storage_class = yaml.safe_load((tmp_path / path).read_text())
    assert storage_class["parameters"]["kmsKeyId"] == "terraform-output-volume_kms_key_arn"
