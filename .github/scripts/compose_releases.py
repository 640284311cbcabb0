"""Prints the `releases` input of eks-wait-and-helm for the pipeline's Airflow deploy.

Everything comes from environment variables the workflow sets (never from `${{ }}` inside a shell), and
the Airflow release is written as one JSON object per list item: JSON is valid YAML, so the caller's own
releases (a YAML block list) can follow it unchanged.
"""

from __future__ import annotations

import json
import os
import re
import sys

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


def image_values(image_ref: str, image: str) -> dict:
    match = IMAGE_REF.match(image_ref)
    if not match:
        raise InputError(f"image-ref '{image_ref}' is not <repository>@sha256:<digest> (ecr-build-push's image-ref output)")
    repository, _, tag = image.rpartition(":")
    if repository != match["repository"] or not tag or "/" in tag:
        raise InputError(f"image '{image}' is not {match['repository']}:<tag> (ecr-build-push's image output)")
    # The chart's own components run repository@digest, exactly the image that was built. The pods it makes
    # for tasks (KubernetesExecutor's pod template) are built from repository:tag alone, falling back to the
    # chart's Airflow version when no tag is set: a tag that was never pushed. So both are passed: the
    # commit tag ecr-build-push pushed, immutable in ECR, names the same image as the digest.
    return {"airflow": {"repository": match["repository"], "tag": tag, "digest": match["digest"], "pullPolicy": "IfNotPresent"}}


def git_sync(repository: str) -> dict:
    values = {"repo": repository, "branch": env("DAGS_BRANCH", "main"), "subPath": env("DAGS_PATH", "dags")}
    # A private repository: git-sync reads its credentials from the Secret the deploy job created before the chart.
    if env("DAGS_CREDENTIALS_SECRET"):
        values["credentialsSecret"] = env("DAGS_CREDENTIALS_SECRET")
    return values


def airflow_release(uninstall_only: bool) -> dict:
    namespace = env("NAMESPACE", "airflow") or "airflow"
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
        "AIRFLOW_VAR_RAW_BUCKET": env("RAW_BUCKET"),
        "AIRFLOW_VAR_PROCESSED_BUCKET": env("PROCESSED_BUCKET"),
        "AIRFLOW_VAR_WAREHOUSE_WORKGROUP": env("WAREHOUSE_WORKGROUP"),
        "AIRFLOW_VAR_WAREHOUSE_DATABASE": env("WAREHOUSE_DATABASE"),
        "AIRFLOW_VAR_WAREHOUSE_COPY_ROLE": env("WAREHOUSE_COPY_ROLE"),
        # The DAG's AWS connection: credentials come from EKS Pod Identity, only the region is configured.
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({"conn_type": "aws", "extra": {"region_name": env("AWS_REGION_NAME")}}),
    }
    release["values-files"] = values_files
    release["values"] = {
        "images": image_values(env("IMAGE_REF"), env("IMAGE")),
        "dags": {"gitSync": git_sync(dags_repository)},
        "apiServer": {"service": {"loadBalancerSourceRanges": source_ranges(env("UI_SOURCE_RANGES"))}},
        "env": [{"name": name, "value": value} for name, value in variables.items()],
    }
    release["timeout"] = "20m"
    release["wait"] = True
    return release


def compose() -> str:
    uninstall_only = env("UNINSTALL_ONLY") == "true"
    lines = ["- " + json.dumps(airflow_release(uninstall_only), sort_keys=True)]
    extra = os.environ.get("EXTRA_RELEASES", "")
    content = [line for line in extra.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if content:
        if not content[0].startswith("- "):
            raise InputError("releases must be a YAML block list whose items start with '- ' at column 0")
        lines.append(extra.rstrip("\n"))
    return "\n".join(lines)


def main() -> int:
    try:
        print(compose())
    except InputError as error:
        print(f"::error title=pipeline::{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
