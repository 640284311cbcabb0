"""Checks pipeline.yml's inputs before any job touches AWS, and normalises the mode.

Everything comes from environment variables the workflow sets (never from `${{ }}` inside a shell).
Each problem is one `::error` line naming the input and what it accepts; all of them are reported
at once, and the exit status is 1 when there is any. On success it writes `mode=create|destroy|plan`
to $GITHUB_OUTPUT: the later jobs read that, so a boolean toggle's true/false works everywhere.

Values are never echoed back when they may be secrets (backend settings and Terraform variables).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from pathlib import Path

import cluster_reach
from deploy_list import ListError, check_references, parse_deployments, parse_images, placeholders

MODES = {"create": "create", "destroy": "destroy", "plan": "plan", "true": "create", "false": "destroy"}
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# The Terraform workspace pipeline.yml runs in: it selects none, so Terraform's own default.
WORKSPACE = "default"
# A source range shorter than this opens the UI to a sixteenth of the internet or more.
SHORTEST_PREFIX = {4: 8, 6: 32}


def env(name: str) -> str:
    return os.environ.get(name, "").strip()


def key_value_lines(name: str, raw: str, problems: list[str]) -> dict[str, str]:
    """name=value lines as tf-apply-toggle reads them; a bad line is named by number, never shown."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, equals, value = text.partition("=")
        if not equals or not IDENTIFIER.match(key.strip()):
            problems.append(f"Input '{name}' line {number} must be name=value with a name of letters, digits, '_' or '-'.")
            continue
        pairs[key.strip()] = value.strip()
    return pairs


def source_ranges(raw: str, problems: list[str]) -> None:
    ranges = [item.strip() for item in re.split(r"[,\n]", raw) if item.strip()]
    if not ranges:
        problems.append("Input 'ui-source-ranges' is required for create: the CIDRs allowed to reach the Airflow UI (the UI is never opened to the world by default).")
    for item in ranges:
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            problems.append(f"Input 'ui-source-ranges' has '{item}', which is not a CIDR such as 203.0.113.0/24.")
            continue
        if network.prefixlen < SHORTEST_PREFIX[network.version]:
            problems.append(
                f"Input 'ui-source-ranges' has '{item}', which opens the UI to a large part of the internet; "
                f"list your own networks (IPv{network.version} prefixes of /{SHORTEST_PREFIX[network.version]} or longer)."
            )


MANIFEST_FILE = re.compile(r"\.(ya?ml|json)$", re.IGNORECASE)


def manifest_placeholders(entry: dict, workspace: Path) -> list:
    """The placeholders in a manifests entry's files (the deploy job fills them in), when the checkout is here."""
    paths = entry.get("manifests") or []
    found: list = []
    for path in [paths] if isinstance(paths, str) else paths:
        target = workspace / str(path)
        files = sorted(item for item in target.iterdir() if MANIFEST_FILE.search(item.name)) if target.is_dir() else [target]
        for file in files:
            if file.is_file():
                found.extend(placeholders(file.read_text(encoding="utf-8", errors="replace")))
    return found


def check_lists(environ: dict[str, str], mode: str, problems: list[str]) -> tuple[list[dict], list[dict]]:
    """The images and deployments lists: what the image job builds and what the deploy job deploys, in order."""
    legacy = {
        "repository": environ.get("IMAGE_REPOSITORY", "").strip(),
        "context": environ.get("DOCKER_CONTEXT", "").strip(),
        "dockerfile": environ.get("DOCKERFILE", "").strip(),
        "cache": environ.get("IMAGE_CACHE", "true").strip() or "true",
    }
    try:
        images = parse_images(environ.get("IMAGES", ""), legacy)
        deployments = parse_deployments(environ.get("DEPLOYMENTS", ""), environ.get("RELEASES", ""))
    except ListError as error:
        problems.append(str(error))
        return [], []
    if mode == "create":
        problems.extend(check_references(images, deployments))
        workspace = Path(environ.get("CALLER_WORKSPACE", "") or ".")
        built = {image["name"] for image in images}
        for entry in deployments:
            if entry["kind"] != "manifests" or not environ.get("CALLER_WORKSPACE"):
                continue
            for source, name, field in manifest_placeholders(entry, workspace):
                if source == "image" and name not in built:
                    problems.append(
                        f"Deployment '{entry['name']}' has ((image.{name}.{field or 'ref'})) in its manifests, but no job builds an image named '{name}'."
                    )
    return images, deployments


def check(environ: dict[str, str]) -> tuple[str, list[str]]:
    mode, problems, _, _ = check_all(environ)
    return mode, problems


def check_all(environ: dict[str, str]) -> tuple[str, list[str], list[dict], list[dict]]:
    problems: list[str] = []
    raw_mode = environ.get("MODE", "").strip()
    mode = MODES.get(raw_mode.lower(), "")
    if not mode:
        problems.append(f"Input 'mode' must be create, destroy or plan (or a toggle's true or false); got '{raw_mode}'.")

    if not REGION.match(environ.get("AWS_REGION_INPUT", "").strip()):
        problems.append("Input 'aws-region' must be an AWS region such as eu-west-1.")

    try:
        json.loads(environ.get("RUNS_ON", '"ubuntu-24.04"'))
    except ValueError:
        problems.append("Input 'runs-on' must be JSON: a label in quotes (\"ubuntu-24.04\"), a list of labels or {\"group\": \"name\"}.")

    binary = environ.get("TERRAFORM_BINARY", "terraform").strip()
    if binary not in ("terraform", "tofu"):
        problems.append(f"Input 'terraform-binary' must be terraform or tofu (OpenTofu); got '{binary}'.")
    if not VERSION.match(environ.get("TERRAFORM_VERSION", "1.11.4").strip()):
        problems.append(f"Input 'terraform-version' must be an exact release such as 1.11.4 (OpenTofu: 1.12.6); got '{environ.get('TERRAFORM_VERSION', '').strip()}'.")

    fallback = environ.get("ROLE_TO_ASSUME", "").strip()
    needed = {"create": ("TERRAFORM_ROLE", "IMAGE_ROLE", "DEPLOY_ROLE"), "destroy": ("TERRAFORM_ROLE", "DEPLOY_ROLE"), "plan": ("TERRAFORM_ROLE",)}
    for variable in needed.get(mode, ()):
        input_name = variable.lower().replace("_", "-")
        role = environ.get(variable, "").strip() or fallback
        if not role:
            problems.append(f"Input '{input_name}' (or 'role-to-assume' for every job) is required for mode {mode}: the ARN of the role the job assumes.")
        elif not ROLE_ARN.match(role):
            source = input_name if environ.get(variable, "").strip() else "role-to-assume"
            problems.append(f"Input '{source}' must be an IAM role ARN such as arn:aws:iam::123456789012:role/name.")

    backend = key_value_lines("backend-config", environ.get("BACKEND_CONFIG", ""), problems)
    for setting in ("bucket", "key"):
        if not backend.get(setting):
            problems.append(f"Input 'backend-config' needs a line {setting}=… (the S3 backend's {setting}).")

    variables = environ.get("TERRAFORM_VARIABLES", "")
    if variables.strip().startswith("{"):
        problems.append("Input 'terraform-variables' takes name=value lines, not JSON; give a list or map as HCL: cidrs=[\"203.0.113.0/24\"].")
    elif mode == "create":
        # The deploy job must reach the cluster's API from these runners: told now, not after the apply.
        pairs = key_value_lines("terraform-variables", variables, problems)
        problems.extend(cluster_reach.check(pairs, environ.get("RUNNER_ENVIRONMENT", "").strip(), environ.get("RUNS_ON", "").strip()))
    else:
        key_value_lines("terraform-variables", variables, problems)

    images, deployments = check_lists(environ, mode, problems)
    # The Airflow preset's UI load balancer is never opened by default: its source ranges are required.
    if mode == "create" and any(entry["kind"] == "preset" and entry["preset"] == "airflow" for entry in deployments):
        source_ranges(environ.get("UI_SOURCE_RANGES", ""), problems)
        # git-sync checks out one commit: the run's own when the DAGs are in the calling repository.
        if environ.get("DAGS_REPOSITORY", "").strip() and not environ.get("DAGS_REF", "").strip():
            problems.append(
                "Input 'dags-ref' is required with dags-repository: the commit of that repository git-sync checks out "
                "(or, as an opt-in, a protected branch to track; see helm/README.md)."
            )
    reviewed = environ.get("REVIEWED_PLAN", "").strip()
    if reviewed and not re.fullmatch(r"auto|pr-[1-9][0-9]{0,9}", reviewed):
        problems.append(f"Input 'reviewed-plan' must be auto, pr-<number> (such as pr-42) or empty; got '{reviewed}'.")
    elif reviewed and mode and mode != "create":
        problems.append(f"Input 'reviewed-plan' applies a pull request's reviewed plan: it works with mode create only; mode is {mode}.")
    if mode == "destroy":
        confirm = environ.get("CONFIRM_DESTROY", "").strip()
        if confirm != WORKSPACE:
            said = f"got '{confirm}'" if confirm else "it is empty"
            problems.append(f"Input 'confirm-destroy' must be the Terraform workspace name, {WORKSPACE}, for destroy ({said}); nothing was uninstalled or destroyed.")
    return mode, problems, images, deployments


def escape(message: str) -> str:
    """A workflow command's data, escaped as the runner unescapes it: no line break can start another command."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main() -> int:
    mode, problems, images, deployments = check_all(dict(os.environ))
    for problem in problems:
        print(f"::error title=pipeline inputs::{escape(problem)}")
    if problems:
        return 1
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"mode={mode}\n")
            # The image job's matrix: one leg per image, built in parallel.
            file.write(f"images={json.dumps(images if mode == 'create' else [], separators=(',', ':'))}\n")
            airflow = any(entry["kind"] == "preset" and entry["preset"] == "airflow" for entry in deployments)
            file.write(f"airflow={'true' if airflow else 'false'}\n")
    print(f"inputs are complete for mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
