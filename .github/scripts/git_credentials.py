"""Prints the Kubernetes Secret git-sync reads to clone a private DAG repository.

env: DAGS_GIT_USERNAME, DAGS_GIT_TOKEN (a read-only token; the workflow's secret), SECRET_NAME.
stdout: the Secret as JSON for `kubectl apply -f -`, so the token travels through a pipe, never argv.
Both key spellings are written: git-sync v4 reads GITSYNC_*, v3 (older charts) GIT_SYNC_*.
"""

from __future__ import annotations

import json
import os
import sys


def build(username: str, token: str, name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "pipeline-actions"}},
        "stringData": {
            "GITSYNC_USERNAME": username,
            "GITSYNC_PASSWORD": token,
            "GIT_SYNC_USERNAME": username,
            "GIT_SYNC_PASSWORD": token,
        },
    }


def main() -> int:
    token = os.environ.get("DAGS_GIT_TOKEN", "")
    if not token:
        print("::error title=pipeline::secret 'dags-git-token' is empty", file=sys.stderr)
        return 1
    print(f"::add-mask::{token}", file=sys.stderr)
    username = os.environ.get("DAGS_GIT_USERNAME", "").strip() or "x-access-token"
    print(json.dumps(build(username, token, os.environ.get("SECRET_NAME", "git-credentials"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
