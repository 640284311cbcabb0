"""Prints the S3 backend settings of BACKEND_CONFIG (key=value lines) as a -backend-config file.

The settings may hold secrets, so they go to Terraform as a file the caller keeps private, never as
command-line arguments. Values are written as HCL strings (objects, lists and quoted strings as they
are), as tf-apply-toggle writes them; a line that is not key=value is named by number, never shown.
"""

from __future__ import annotations

import json
import os
import sys


def hcl_value(value: str) -> str:
    if value[:1] in ("{", "[", '"'):
        return value
    # JSON's string escapes are HCL's; template sigils are doubled so they stay literal.
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def main() -> int:
    lines = []
    for number, line in enumerate(os.environ.get("BACKEND_CONFIG", "").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            print(f"::error title=pipeline::Input 'backend-config' line {number} must be key=value.", file=sys.stderr)
            return 1
        lines.append(f"{key.strip()} = {hcl_value(value.strip())}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
