"""Refuses to create or destroy through a GitHub environment that protects nothing.

The roles the deploy jobs assume trust the environment's name (terraform/bootstrap). An environment with
neither required reviewers nor a deployment-branch policy lets any workflow run, on any branch, that names
it take those roles (issue #16). So before anything is created this asks GitHub's API
(GET /repos/{owner}/{repo}/environments/{name}) and fails with the fix when the environment has neither,
or does not exist yet (GitHub would create it, unprotected, when the first job names it).

The call needs the `actions: read` permission, which GITHUB_TOKEN can be given ("Get an environment":
anyone with read access; fine-grained and installation tokens need Actions read). A reusable workflow's
job gets at most what its caller's job grants, so the caller must grant it too: a refusal (401/403) says so.
The caller can go on knowingly with ALLOW_UNPROTECTED_ENVIRONMENT=true: each finding is then a warning.

Environment variables (set by the workflow): GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN, ENVIRONMENT,
MODE (check_inputs.py's normalised mode; plan is not checked: the plan role only reads),
ALLOW_UNPROTECTED_ENVIRONMENT. The token is sent only in the Authorization header and never printed.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

TIMEOUT_SECONDS = 20


class Finding(Exception):
    """What is wrong with the environment or the call, and the fix; an error unless the caller opted in."""


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def fetch_environment(api: str, repository: str, name: str, token: str) -> dict:
    url = f"{api.rstrip('/')}/repos/{repository}/environments/{quote(name, safe='')}"
    request = urllib.request.Request(
        url,
        headers={"Accept": "application/vnd.github+json", "Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"},
    )
    try:
        # The URL is GitHub's API as the runner names it (GITHUB_API_URL), https on github.com and GHES.
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise Finding(
                f"Environment '{name}' does not exist in {repository}: GitHub would create it with no protection when the "
                f"first job names it. Create it (Settings → Environments) with required reviewers or deployment branches."
            ) from None
        if error.code in (401, 403):
            raise Finding(
                f"GitHub's API refused to show environment '{name}' (HTTP {error.code}), so its protections cannot be checked: "
                "grant `actions: read` in the permissions of the job that calls pipeline.yml (its check-inputs job asks for it)."
            ) from None
        raise Finding(f"GitHub's API answered HTTP {error.code} for environment '{name}'; its protections could not be checked.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Finding(f"GitHub's API could not be reached ({reason}); the protections of environment '{name}' could not be checked.") from None
    except ValueError:
        raise Finding(f"GitHub's API did not answer JSON for environment '{name}'; its protections could not be checked.") from None


def protections(document: dict) -> list[str]:
    """The protections that keep other branches' and other people's runs out: required reviewers, deployment branches."""
    found: list[str] = []
    for rule in document.get("protection_rules") or []:
        if isinstance(rule, dict) and rule.get("type") == "required_reviewers" and rule.get("reviewers"):
            found.append("required reviewers")
    policy = document.get("deployment_branch_policy")
    if isinstance(policy, dict) and (policy.get("protected_branches") or policy.get("custom_branch_policies")):
        found.append("protected branches only" if policy.get("protected_branches") else "deployment branch rules")
    return found


def check(name: str) -> str:
    """What protects the environment, or a Finding."""
    repository, token = env("GITHUB_REPOSITORY"), env("GITHUB_TOKEN")
    if not token:
        raise Finding(
            f"No GitHub token to ask whether environment '{name}' is protected: the step needs GITHUB_TOKEN with `actions: read`."
        )
    document = fetch_environment(env("GITHUB_API_URL", "https://api.github.com"), repository, name, token)
    found = protections(document)
    if not found:
        raise Finding(
            f"Environment '{name}' has neither required reviewers nor deployment branches, so any workflow run on any branch "
            f"that names it gets its AWS roles. In Settings → Environments → {name}, add required reviewers, or limit "
            "deployment branches to protected branches; or set allow-unprotected-environment: true to go on knowingly."
        )
    return ", ".join(found)


def escape(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main() -> int:
    name, mode = env("ENVIRONMENT"), env("MODE")
    if mode not in ("create", "destroy"):
        print(f"environment protections are checked for create and destroy, not {mode or 'an empty mode'}")
        return 0
    if not name:
        print("::error title=environment protections::Input 'environment' is empty: name the GitHub environment of the jobs that touch AWS.")
        return 1
    try:
        print(f"environment '{name}' is protected by {check(name)}")
        return 0
    except Finding as finding:
        if env("ALLOW_UNPROTECTED_ENVIRONMENT").lower() == "true":
            print(f"::warning title=environment protections::{escape(str(finding))} (allow-unprotected-environment is true: going on.)")
            return 0
        print(f"::error title=environment protections::{escape(str(finding))}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
