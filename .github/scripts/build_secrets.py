"""Selects one image's build secrets from pipeline.yml's build-secrets secret, for ecr-build-push's build-secrets.

BUILD_SECRETS holds id=value lines for every image; WANTED (JSON) the ids this image's entry lists. Each
value is masked before anything else is printed, and only the wanted lines reach the step output, so an
image is never built with another image's secrets. A wanted id the secret does not hold fails naming it
(never its value); nothing is echoed.
"""

from __future__ import annotations

import json
import os
import secrets
import sys


def parse(raw: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in raw.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, equals, value = text.partition("=")
        if equals and key.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def main() -> int:
    pairs = parse(os.environ.get("BUILD_SECRETS", ""))
    for value in pairs.values():
        if value:
            print(f"::add-mask::{value}")
    wanted = json.loads(os.environ.get("WANTED") or "[]") or []
    image = os.environ.get("IMAGE_NAME", "")
    missing = [item for item in wanted if item not in pairs]
    if missing:
        names = ", ".join(f"'{item}'" for item in missing)
        print(f"::error title=pipeline::Image '{image}' lists build secret {names}, which the build-secrets secret does not hold (one id=value line each).")
        return 1
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        delimiter = f"secrets-{secrets.token_hex(16)}"
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"secrets<<{delimiter}\n")
            for item in wanted:
                file.write(f"{item}={pairs[item]}\n")
            file.write(f"{delimiter}\n")
    print(f"image '{image}': {len(wanted)} build secret(s) selected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
