"""Renders pipeline.yml's deployments list for validate.yml's pull-request checks, as the deploy job would.

Each Helm release is rendered with `helm template` and its values (a local chart's dependencies built
first); manifests entries are validated as they are, kustomizations built. What only a create run knows
gets stand-ins: ((image.<name>.…)) an image reference of the right shape, ((terraform.<output>)) the text
terraform-output-<output>. The Airflow preset is validate.yml's own airflow-chart step, so it is skipped
here. Writes the rendered files to .pipeline-rendered/ and, to GITHUB_OUTPUT, `paths` (rendered files and
manifests) and `kustomize` (folders) for kubeconform-validate. A chart that does not render fails naming
the entry. It also builds the dependencies of the charts input's local charts, which kubeconform-validate renders.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from deploy_list import PLACEHOLDER, ListError, parse_deployments

STAND_IN_DIGEST = "sha256:" + "0" * 64
RENDERED = Path(".pipeline-rendered")
MANIFEST_FILE = re.compile(r"\.(ya?ml|json)$", re.IGNORECASE)


class RenderError(Exception):
    """An entry that does not render; the message names it."""


def stand_in(match: re.Match) -> str:
    source, name, field = match[1], match[2], match[3] or "ref"
    if source == "terraform":
        return f"terraform-output-{name}"
    repository = f"registry.example/{name}"
    return {
        "ref": f"{repository}@{STAND_IN_DIGEST}",
        "image": f"{repository}:pull-request",
        "repository": repository,
        "tag": "pull-request",
        "digest": STAND_IN_DIGEST,
        "registry": "registry.example",
    }.get(field, f"{repository}@{STAND_IN_DIGEST}")


def fill(value):
    if isinstance(value, dict):
        return {key: fill(item) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item) for item in value]
    if isinstance(value, str):
        return PLACEHOLDER.sub(stand_in, value)
    return value


def helm(args: list[str], where: str) -> str:
    result = subprocess.run(["helm", *args], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Use --debug")]
        raise RenderError(f"{where}: {' / '.join(lines[-2:]) or 'helm exited ' + str(result.returncode)}")
    return result.stdout


def build_dependencies(chart: Path, where: str) -> None:
    """`helm dependency build` for a local chart that declares dependencies, their repositories added first."""
    import yaml

    document = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8")) or {}
    dependencies = document.get("dependencies") or []
    if not dependencies:
        return
    for index, dependency in enumerate(dependencies):
        repository = str(dependency.get("repository") or "")
        if repository.startswith(("https://", "http://")):
            helm(["repo", "add", f"dependency-{chart.name}-{index}", repository, "--force-update"], where)
    helm(["dependency", "build", str(chart)], f"{where} (helm dependency build)")


def render_release(entry: dict, kube_version: str) -> Path:
    name = entry["name"]
    where = f"Release '{name}' does not render with its values"
    chart = str(entry["chart"])
    if entry.get("repository"):
        # Through a repository alias, as eks-wait-and-helm deploys it: with --repo, a folder of the checkout that
        # has the chart's name (grafana/ holding values) would be taken for the chart.
        alias = f"deployments-{name}"
        helm(["repo", "add", alias, str(entry["repository"]), "--force-update"], where)
        chart = f"{alias}/{chart}"
    args = ["template", name, chart, "--namespace", str(entry.get("namespace") or "default"), "--include-crds"]
    if kube_version:
        args += ["--kube-version", kube_version]
    if entry.get("version"):
        args += ["--version", str(entry["version"])]
    local = Path(chart)
    if not entry.get("repository") and not re.match(r"^[a-z][a-z0-9+.-]*:", chart) and (local / "Chart.yaml").is_file():
        build_dependencies(local, where)
    files = entry.get("values-files") or []
    for file in [files] if isinstance(files, str) else files:
        args += ["--values", str(file)]
    RENDERED.mkdir(exist_ok=True)
    if entry.get("values"):
        values = RENDERED / f"values-{name}.json"
        values.write_text(json.dumps(fill(entry["values"])), encoding="utf-8")
        args += ["--values", str(values)]
    output = RENDERED / f"release-{name}.yaml"
    output.write_text(helm(args, where), encoding="utf-8")
    return output


def manifest_paths(entry: dict) -> list[str]:
    """The entry's manifests; files holding placeholders are validated as filled-in copies."""
    paths = entry.get("manifests") or []
    found: list[str] = []
    for path in [paths] if isinstance(paths, str) else paths:
        target = Path(str(path))
        files = sorted(item for item in target.iterdir() if MANIFEST_FILE.search(item.name)) if target.is_dir() else [target]
        for file in files:
            text = file.read_text(encoding="utf-8")
            if PLACEHOLDER.search(text):
                RENDERED.mkdir(exist_ok=True)
                copy = RENDERED / f"manifests-{entry['name']}-{file.name}"
                copy.write_text(PLACEHOLDER.sub(stand_in, text), encoding="utf-8")
                found.append(str(copy))
            else:
                found.append(str(file))
    return found


def main() -> int:
    try:
        deployments = parse_deployments(os.environ.get("DEPLOYMENTS", "") or "[]", os.environ.get("RELEASES", ""))
        paths: list[str] = []
        kustomize: list[str] = []
        # validate.yml's charts input (<folder> [-f values]...): kubeconform-validate renders them; their dependencies first.
        for line in os.environ.get("CHARTS", "").splitlines():
            folder = line.split()[0] if line.strip() else ""
            if folder and (Path(folder) / "Chart.yaml").is_file():
                build_dependencies(Path(folder), f"Chart '{folder}'")
        for entry in deployments:
            kind = entry.pop("kind")
            if kind == "preset":
                continue
            if kind == "release":
                if entry.get("repository-username"):
                    print(f"::notice title=validate::Release '{entry['name']}' needs repository credentials, which pull-request checks do not get; not rendered.")
                    continue
                paths.append(str(render_release(entry, os.environ.get("KUBE_VERSION", ""))))
            elif entry.get("kustomization"):
                kustomize.append(str(entry["kustomization"]))
            else:
                paths.extend(manifest_paths(entry))
    except (ListError, RenderError, OSError) as error:
        print(f"::error title=validate::{error}")
        return 1
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            for key, values in (("paths", paths), ("kustomize", kustomize)):
                delimiter = f"{key}-{secrets.token_hex(8)}"
                file.write(f"{key}<<{delimiter}\n" + "".join(f"{value}\n" for value in values) + f"{delimiter}\n")
    print(f"rendered {len(paths)} file(s) and {len(kustomize)} kustomization(s) of the deployments list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
