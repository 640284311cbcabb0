"""The images and deployments lists pipeline.yml takes, read once and checked before anything is created.

check_inputs.py uses it to refuse a bad list in the job that holds no AWS rights (and to give the image job
its matrix); compose_releases.py uses it in the deploy job to turn the list into eks-wait-and-helm's releases.

Values may name what only the run knows, as placeholders that are replaced in the deploy job:
  ((image.<name>.ref))         the image by digest, <registry>/<repository>@sha256:…
  ((image.<name>.image))       the image by its commit tag, <registry>/<repository>:<sha>
  ((image.<name>.repository))  <registry>/<repository>; .tag, .digest and .registry likewise
  ((terraform.<output>))       a Terraform output of the environment (a string, number or bool)
`((…))` rather than `${{ }}`: GitHub would evaluate the latter in the caller's workflow, and Helm never reads it.
"""

from __future__ import annotations

import re

try:
    import yaml
except ImportError:  # pragma: no cover - GitHub's runner images have PyYAML; a bare self-hosted runner may not
    yaml = None

PRESETS = ("airflow",)
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SECRET_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
PLACEHOLDER = re.compile(r"\(\(\s*(image|terraform)\.([A-Za-z0-9_-]+)(?:\.([a-z]+))?\s*\)\)")
IMAGE_FIELDS = ("ref", "image", "repository", "tag", "digest", "registry")
IMAGE_KEYS = ("name", "repository", "context", "dockerfile", "target", "build-args", "secrets", "cache", "platforms")
# eks-wait-and-helm's own fields (it checks them again when it deploys).
HELM_KEYS = (
    "name",
    "chart",
    "repository",
    "version",
    "namespace",
    "values-files",
    "values",
    "timeout",
    "wait",
    "atomic",
    "repository-username",
    "repository-password",
)
MANIFEST_KEYS = ("name", "namespace", "manifests", "kustomization")
PRESET_KEYS = ("preset", "image", "namespace")
# What a preset deploys before its chart, as manifests entries of its own: the Airflow preset's StorageClass,
# whose volumes the environment's KMS key encrypts (its kmsKeyId is ((terraform.volume_kms_key_arn))). The path
# is pipeline-actions' checkout in every job that reads the list (.pipeline-actions, beside the caller's files).
PRESET_MANIFESTS = {"airflow": {"name": "airflow-storage", "manifests": [".pipeline-actions/helm/airflow/storage-class.yaml"]}}
MAX_IMAGES = 20


class ListError(Exception):
    """A list entry that cannot be used; the message names the entry and what to fix."""


def load_list(name: str, raw: str) -> list:
    if not raw.strip():
        return []
    if yaml is None:
        raise ListError(f"Input '{name}' needs PyYAML on the runner (python3 -m pip install pyyaml); GitHub's runner images have it.")
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise ListError(f"Input '{name}' is not valid YAML{at}.") from None
    if document is None:
        return []
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise ListError(f"Input '{name}' must be a YAML list of maps (each item starting with '- ').")
    return document


def _string(entry: dict, key: str, where: str, default: str = "") -> str:
    value = entry.get(key, default)
    if value is None:
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ListError(f"{where}: {key} must be a string.")
    return str(value).strip()


def _unknown(entry: dict, allowed: tuple, where: str, kind: str) -> None:
    for key in entry:
        if key not in allowed:
            raise ListError(f"{where} has an unknown field '{key}'; {kind} take {', '.join(allowed)}.")


def parse_images(raw: str, legacy: dict[str, str]) -> list[dict]:
    """The images to build, each {name, repository, context, dockerfile, target, build-args, secrets, cache, platforms}.

    Without an images list, the single-image inputs (image-repository, docker-context, dockerfile,
    image-cache) make one image named airflow, which the Airflow preset deploys: today's callers.
    """
    entries = load_list("images", raw)
    if not entries:
        if not legacy.get("repository"):
            return []
        entries = [{"name": "airflow", **{key: value for key, value in legacy.items() if value != ""}}]
    if len(entries) > MAX_IMAGES:
        raise ListError(f"Input 'images' lists {len(entries)} images; at most {MAX_IMAGES} are built in one run.")
    images: list[dict] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"Input 'images' item {index + 1}"
        _unknown(entry, IMAGE_KEYS, where, "images")
        name = _string(entry, "name", where)
        if not NAME.match(name) or len(name) > 40:
            raise ListError(f"{where}: name '{name}' must be lowercase letters, digits and '-' (at most 40), such as api.")
        where = f"Input 'images': image '{name}'"
        if name in seen:
            raise ListError(f"Input 'images' lists image '{name}' twice.")
        seen.add(name)
        repository = _string(entry, "repository", where)
        if not repository:
            raise ListError(f"{where} needs a repository (the ECR repository it is pushed to).")
        args = entry.get("build-args") or {}
        if not isinstance(args, dict) or any(not isinstance(value, (str, int, float, bool)) for value in args.values()):
            raise ListError(f"{where}: build-args must be a map of names to values (they are stored in the image; never secrets).")
        secrets = entry.get("secrets") or []
        if isinstance(secrets, str):
            secrets = [secrets]
        if not isinstance(secrets, list) or not all(isinstance(item, str) and SECRET_ID.match(item) for item in secrets):
            raise ListError(f"{where}: secrets must be a list of build secret ids (letters, digits, '.', '_', '-').")
        cache = entry.get("cache", True)
        if isinstance(cache, str) and cache.lower() in ("true", "false"):
            cache = cache.lower() == "true"
        if not isinstance(cache, bool):
            raise ListError(f"{where}: cache must be true or false.")
        images.append(
            {
                "name": name,
                "repository": repository,
                "context": _string(entry, "context", where, ".") or ".",
                "dockerfile": _string(entry, "dockerfile", where),
                "target": _string(entry, "target", where),
                "build-args": "\n".join(f"{key}={value}" for key, value in args.items()),
                "secrets": secrets,
                "cache": cache,
                "platforms": _string(entry, "platforms", where),
            }
        )
    return images


def parse_deployments(raw: str, extra_releases: str) -> list[dict]:
    """The deployments in order: `deployments` (empty: the Airflow preset, as before the list existed; `[]`: none),
    then the older `releases` input's, which came after Airflow. A preset brings its manifests entry first."""
    entries = (load_list("deployments", raw) if raw.strip() else [{"preset": "airflow"}]) + load_list("releases", extra_releases)
    deployments: list[dict] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"Input 'deployments' item {index + 1}"
        if "preset" in entry:
            _unknown(entry, PRESET_KEYS, where, "preset entries")
            preset = _string(entry, "preset", where)
            if preset not in PRESETS:
                raise ListError(f"{where}: preset '{preset}' is not one of {', '.join(PRESETS)}.")
            entry = {**entry, "name": preset}
            kind = "preset"
        elif "chart" in entry:
            _unknown(entry, HELM_KEYS, where, "Helm releases")
            kind = "release"
        elif "manifests" in entry or "kustomization" in entry:
            _unknown(entry, MANIFEST_KEYS, where, "manifests entries")
            kind = "manifests"
        else:
            raise ListError(f"{where} needs a chart (a Helm release), manifests or a kustomization, or a preset.")
        name = _string(entry, "name", where)
        if not NAME.match(name) or len(name) > 53:
            raise ListError(f"{where}: name '{name}' must be lowercase letters, digits and '-', at most 53.")
        extra = PRESET_MANIFESTS.get(entry["preset"]) if kind == "preset" else None
        if extra:
            if extra["name"] in seen:
                raise ListError(f"Input 'deployments' lists '{extra['name']}', the name of what the {entry['preset']} preset deploys before its chart; name it otherwise.")
            seen.add(extra["name"])
            deployments.append({**extra, "kind": "manifests"})
        if name in seen:
            # Taken by a preset listed earlier (its name is in seen too), or simply listed twice.
            preset = next((key for key, item in PRESET_MANIFESTS.items() if item["name"] == name and key in seen), None)
            why = f", the name of what the {preset} preset deploys before its chart; name it otherwise" if preset else " twice"
            raise ListError(f"Input 'deployments' lists '{name}'{why}.")
        seen.add(name)
        deployments.append({**entry, "kind": kind})
    return deployments


def placeholders(value) -> list[tuple[str, str, str | None]]:
    """Every ((image.x.field)) and ((terraform.y)) in a value, walked through maps and lists."""
    found: list[tuple[str, str, str | None]] = []
    if isinstance(value, str):
        found.extend((match[1], match[2], match[3]) for match in PLACEHOLDER.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(placeholders(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(placeholders(item))
    return found


def preset_image(entry: dict) -> str:
    return _string(entry, "image", f"preset '{entry.get('name')}'", "airflow") or "airflow"


def check_references(images: list[dict], deployments: list[dict]) -> list[str]:
    """Deployments that name an image no job builds, or a placeholder field that does not exist."""
    built = {image["name"] for image in images}
    problems: list[str] = []
    for entry in deployments:
        where = f"Deployment '{entry['name']}'"
        if entry["kind"] == "preset":
            image = preset_image(entry)
            if image not in built:
                problems.append(
                    f"{where} (the {entry['preset']} preset) deploys image '{image}', which no job builds: "
                    "list it in images (or set image-repository for the single Airflow image)."
                )
            continue
        for source, name, field in placeholders({key: value for key, value in entry.items() if key != "kind"}):
            if source == "image":
                if name not in built:
                    images = ", ".join(sorted(built)) or "none"
                    problems.append(
                        f"{where} uses ((image.{name}.{field or 'ref'})), but no job builds an image named '{name}'; the images are {images}."
                    )
                elif field is not None and field not in IMAGE_FIELDS:
                    problems.append(f"{where} uses ((image.{name}.{field})); an image has {', '.join(IMAGE_FIELDS)}.")
            elif field is not None:
                problems.append(f"{where} uses ((terraform.{name}.{field})); name a Terraform output without a field: ((terraform.{name})).")
    return problems
