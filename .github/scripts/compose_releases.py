"""Composes the `releases` input of eks-wait-and-helm from pipeline.yml's deployments list.

The list (deploy_list.py) holds the Airflow preset, Helm releases and manifests entries, in order. This
fills in what only the run knows: the images the image job built (one JSON file per image in IMAGES_DIR,
else IMAGE_REF/IMAGE for the single Airflow image), the Terraform outputs (TF_OUTPUTS_FILE, `terraform
output -json`), through the ((image.<name>.<field>)) and ((terraform.<output>)) placeholders; manifests
that hold placeholders are copied, filled in, to .pipeline-deploy/<name>/ and deployed from there.

Everything comes from environment variables the workflow sets (never from `${{ }}` inside a shell). Each
entry is written as one JSON object per list item: JSON is valid YAML. With GITHUB_OUTPUT set it writes
`releases` (and what the Airflow preset's Secrets need) there, else prints the list.
"""

from __future__ import annotations

import json
import os
import re
import secrets as random_tokens
import sys
from pathlib import Path

from deploy_list import PLACEHOLDER, ListError, parse_deployments, preset_image

CHART_REPOSITORY = "https://airflow.apache.org"
IMAGE_REF = re.compile(r"^(?P<repository>[^@\s]+)@(?P<digest>sha256:[0-9a-f]{64})$")
CIDR = re.compile(r"^[0-9a-fA-F:.]+/[0-9]{1,3}$")


class InputError(Exception):
    """A value the workflow passed that cannot be used; the message says which and why."""


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def source_ranges(raw: str) -> list[str]:
    ranges = [item.strip() for item in re.split(r"[,\n]", raw) if item.strip()]
    for item in ranges:
        if not CIDR.match(item):
            raise InputError(f"ui-source-ranges: '{item}' is not a CIDR such as 203.0.113.0/24")
        if item in ("0.0.0.0/0", "::/0"):
            raise InputError("ui-source-ranges must not open the UI to the whole internet")
    if not ranges:
        raise InputError("ui-source-ranges is empty; list the CIDRs allowed to reach the Airflow UI")
    return ranges


def load_images() -> dict[str, dict]:
    """The images the image job built, by name: IMAGES_DIR's JSON files, else the single Airflow image's env."""
    images: dict[str, dict] = {}
    folder = env("IMAGES_DIR")
    if folder:
        for file in sorted(Path(folder).glob("*.json")):
            image = json.loads(file.read_text(encoding="utf-8"))
            images[image["name"]] = describe_image(image["image-ref"], image["image"])
    elif env("IMAGE_REF"):
        images["airflow"] = describe_image(env("IMAGE_REF"), env("IMAGE"))
    return images


def describe_image(image_ref: str, image: str) -> dict:
    match = IMAGE_REF.match(image_ref)
    if not match:
        raise InputError(f"image-ref '{image_ref}' is not <repository>@sha256:<digest> (ecr-build-push's image-ref output)")
    repository, _, tag = image.rpartition(":")
    if repository != match["repository"] or not tag or "/" in tag:
        raise InputError(f"image '{image}' is not {match['repository']}:<tag> (ecr-build-push's image output)")
    return {
        "ref": image_ref,
        "image": image,
        "repository": repository,
        "tag": tag,
        "digest": match["digest"],
        "registry": repository.split("/", 1)[0],
    }


def load_outputs() -> dict:
    """Terraform's outputs by name (values only), from `terraform output -json`."""
    path = env("TF_OUTPUTS_FILE")
    if not path:
        return {}
    return {name: output.get("value") for name, output in json.loads(Path(path).read_text(encoding="utf-8")).items()}


def fill(value, images: dict[str, dict], outputs: dict, where: str):
    """Replaces the placeholders in a value (maps and lists walked); a whole-string placeholder keeps the output's type."""
    if isinstance(value, dict):
        return {key: fill(item, images, outputs, where) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, images, outputs, where) for item in value]
    if not isinstance(value, str):
        return value

    def resolve(match: re.Match):
        source, name, field = match[1], match[2], match[3]
        if source == "image":
            if name not in images:
                raise InputError(f"{where} uses ((image.{name}.{field or 'ref'})), but no image named '{name}' was built in this run")
            return images[name][field or "ref"]
        if name not in outputs:
            raise InputError(f"{where} uses ((terraform.{name})), but the environment's Terraform has no output '{name}'")
        return outputs[name]

    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole:
        return resolve(whole)
    return PLACEHOLDER.sub(lambda match: str(resolve(match)), value)


MANIFEST_FILE = re.compile(r"\.(ya?ml|json)$", re.IGNORECASE)


def fill_manifests(entry: dict, images: dict[str, dict], outputs: dict) -> dict:
    """A manifests entry whose files hold placeholders is deployed from filled-in copies in .pipeline-deploy/<name>/."""
    paths = entry.get("manifests")
    if not paths:
        return entry
    files: list[Path] = []
    for path in [paths] if isinstance(paths, str) else paths:
        target = Path(str(path))
        files.extend(sorted(item for item in target.iterdir() if MANIFEST_FILE.search(item.name)) if target.is_dir() else [target])
    texts = [(file, file.read_text(encoding="utf-8")) for file in files if file.is_file()]
    if not any(PLACEHOLDER.search(text) for _, text in texts):
        return entry
    folder = Path(".pipeline-deploy") / entry["name"]
    folder.mkdir(parents=True, exist_ok=True)
    for index, (file, text) in enumerate(texts):
        filled = PLACEHOLDER.sub(lambda match: str(fill(match[0], images, outputs, f"Deployment '{entry['name']}' ({file})")), text)
        (folder / f"{index:03d}-{file.name}").write_text(filled, encoding="utf-8")
    return {**entry, "manifests": [str(folder)]}


def image_values(image: dict) -> dict:
    """The chart's images values for an image as describe_image gives it."""
    # The chart's own components run repository@digest, exactly the image that was built. The pods it makes
    # for tasks (KubernetesExecutor's pod template) are built from repository:tag alone, falling back to the
    # chart's Airflow version when no tag is set: a tag that was never pushed. So both are passed: the
    # commit tag ecr-build-push pushed, immutable in ECR, names the same image as the digest.
    return {"airflow": {"repository": image["repository"], "tag": image["tag"], "digest": image["digest"], "pullPolicy": "IfNotPresent"}}


def git_sync(repository: str) -> dict:
    values = {"repo": repository, "branch": env("DAGS_BRANCH", "main"), "subPath": env("DAGS_PATH", "dags")}
    # The commit the run deploys, never a moving branch (helm/airflow/values.yaml): git-sync v4 reads ref, v3 rev.
    # Without one the values' placeholder stays, and git-sync fails instead of following a branch.
    if env("DAGS_REF"):
        values["ref"] = values["rev"] = env("DAGS_REF")
    # A private repository: git-sync reads its credentials from the Secret the deploy job created before the chart.
    if env("DAGS_CREDENTIALS_SECRET"):
        values["credentialsSecret"] = env("DAGS_CREDENTIALS_SECRET")
    return values


def airflow_release(uninstall_only: bool, image: dict | None = None, outputs: dict | None = None) -> dict:
    outputs = outputs or {}

    def setting(name: str, output: str) -> str:
        # The workflow's variable when set, else the environment's Terraform output of the preset's name.
        value = env(name)
        return value if value else str(outputs.get(output) or "")

    namespace = setting("NAMESPACE", "airflow_namespace") or "airflow"
    release: dict = {
        "name": "airflow",
        "chart": "airflow",
        "repository": CHART_REPOSITORY,
        "version": env("CHART_VERSION"),
        "namespace": namespace,
    }
    if uninstall_only:
        return release

    values_files = [env("BASE_VALUES")]
    if env("EXTRA_VALUES"):
        values_files.append(env("EXTRA_VALUES"))

    dags_repository = env("DAGS_REPOSITORY") or f"{env('SERVER_URL', 'https://github.com')}/{env('CALLER_REPOSITORY')}.git"
    variables = {
        "AIRFLOW_VAR_RAW_BUCKET": setting("RAW_BUCKET", "raw_bucket"),
        "AIRFLOW_VAR_PROCESSED_BUCKET": setting("PROCESSED_BUCKET", "processed_bucket"),
        "AIRFLOW_VAR_WAREHOUSE_WORKGROUP": setting("WAREHOUSE_WORKGROUP", "warehouse_workgroup"),
        "AIRFLOW_VAR_WAREHOUSE_DATABASE": setting("WAREHOUSE_DATABASE", "warehouse_database"),
        "AIRFLOW_VAR_WAREHOUSE_COPY_ROLE": setting("WAREHOUSE_COPY_ROLE", "warehouse_copy_role_arn"),
        # The DAG's AWS connection: credentials come from EKS Pod Identity, only the region is configured.
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({"conn_type": "aws", "extra": {"region_name": env("AWS_REGION_NAME")}}),
    }
    release["values-files"] = values_files
    release["values"] = {
        "images": image_values(image or describe_image(env("IMAGE_REF"), env("IMAGE"))),
        "dags": {"gitSync": git_sync(dags_repository)},
        "apiServer": {"service": {"loadBalancerSourceRanges": source_ranges(env("UI_SOURCE_RANGES"))}},
        "env": [{"name": name, "value": value} for name, value in variables.items()],
    }
    release["timeout"] = "20m"
    release["wait"] = True
    return release


def compose() -> tuple[str, dict[str, str]]:
    """The releases list, and what the Airflow preset's Secrets steps need (empty without the preset)."""
    uninstall_only = env("UNINSTALL_ONLY") == "true"
    extra = os.environ.get("EXTRA_RELEASES", "")
    content = [line for line in extra.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if content and not content[0].startswith("- "):
        raise InputError("releases must be a YAML block list whose items start with '- ' at column 0")
    try:
        deployments = parse_deployments(os.environ.get("DEPLOYMENTS", ""), extra)
    except ListError as error:
        raise InputError(str(error)) from None
    images = {} if uninstall_only else load_images()
    outputs = load_outputs()
    releases: list[dict] = []
    airflow: dict[str, str] = {}
    for entry in deployments:
        kind = entry.pop("kind")
        where = f"Deployment '{entry['name']}'"
        if kind == "preset":
            name = preset_image(entry)
            if not uninstall_only and images and name not in images:
                raise InputError(f"{where} (the airflow preset) deploys image '{name}', but no image of that name was built in this run")
            release = airflow_release(uninstall_only, images.get(name), outputs)
            if entry.get("namespace"):
                release["namespace"] = str(entry["namespace"])
            releases.append(release)
            airflow = {
                "namespace": release["namespace"],
                "db-host": str(outputs.get("airflow_db_host") or env("DB_HOST")),
                "db-port": str(outputs.get("airflow_db_port") or env("DB_PORT")),
                "db-name": str(outputs.get("airflow_db_name") or env("DB_NAME")),
                "db-secret-arn": str(outputs.get("airflow_db_secret_arn") or env("DB_SECRET_ARN")),
            }
            continue
        if uninstall_only:
            # An uninstall needs only where each entry lives; values may name images no job built this run.
            keep = ("name", "chart", "repository", "version", "namespace", "manifests", "kustomization", "timeout")
            releases.append({key: value for key, value in entry.items() if key in keep})
            continue
        filled = fill(entry, images, outputs, where)
        releases.append(fill_manifests(filled, images, outputs) if kind == "manifests" else filled)
    return "\n".join("- " + json.dumps(release, sort_keys=True, default=str) for release in releases), airflow


def main() -> int:
    try:
        releases, airflow = compose()
        output = os.environ.get("GITHUB_OUTPUT")
        if not output:
            print(releases)
            return 0
        delimiter = f"releases-{random_tokens.token_hex(16)}"
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"releases<<{delimiter}\n{releases}\n{delimiter}\n")
            file.write(f"airflow={'true' if airflow else 'false'}\n")
            for key, value in airflow.items():
                file.write(f"{key}={value}\n")
        # Not printed: an entry may carry a chart repository's password.
        print(f"composed {releases.count(chr(10)) + 1 if releases else 0} deployment(s)")
    except (InputError, OSError, ValueError) as error:
        print(f"::error title=pipeline::{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
