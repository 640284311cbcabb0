"""Whether the jobs' runners can reach the cluster's API with the endpoint the Terraform variables choose.

terraform/envs/dev takes the endpoint as three variables (terraform/envs/dev/variables.tf):
  cluster_endpoint_access  "private" (reached only from inside the VPC) or "public" (the default)
  eks_public_access_cidrs  the CIDRs a public endpoint admits, at most 40, none shorter than /8
  public_api_open_to_all   true opens the public endpoint to 0.0.0.0/0 (still IAM-authenticated), by name only
check_inputs.py reads them from the terraform-variables input before anything is created: otherwise the
cluster is created and only the deploy job finds, after the apply, that it cannot connect (issue #15).

GitHub-hosted runners have no fixed addresses (their published ranges are thousands of CIDRs, against EKS's
40), so with them only an endpoint open to all works. The runner's kind comes from RUNNER_ENVIRONMENT, which
the runner sets to github-hosted or self-hosted: check-inputs runs on the same runs-on as every job, so what
it sees is what the deploy job gets. Without it (older runners), the runs-on labels decide: a single
ubuntu-*, windows-* or macos-* label, with no self-hosted label, is GitHub's.
"""

from __future__ import annotations

import ipaddress
import json
import re

GITHUB_HOSTED_LABEL = re.compile(r"^(ubuntu|windows|macos)-[a-z0-9.-]+$")
DEFAULT_RUNS_ON = '"ubuntu-24.04"'  # pipeline.yml's default
MAX_CIDRS = 40
SHORTEST_PREFIX = 8
CHOICES = (
    "run the jobs on runners inside the VPC (self-hosted, or AWS CodeBuild-hosted runners in its private subnets) "
    "with cluster_endpoint_access=private; run them on self-hosted runners whose egress addresses you list in "
    "eks_public_access_cidrs; or, knowingly, set public_api_open_to_all=true (the IAM-authenticated API open to every address)"
)


def github_hosted(runner_environment: str, runs_on: str) -> bool:
    """Whether the jobs run on GitHub's own runners."""
    if runner_environment in ("github-hosted", "self-hosted"):
        return runner_environment == "github-hosted"
    try:
        labels = json.loads(runs_on or DEFAULT_RUNS_ON)
    except ValueError:
        return False  # check_inputs reports the bad JSON itself
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return False  # a runner group ({"group": …}) may be GitHub's larger runners with fixed addresses, or not
    return "self-hosted" not in labels and any(GITHUB_HOSTED_LABEL.match(label) for label in labels)


def hcl_strings(value: str) -> list[str] | None:
    """An HCL list of strings as terraform -var reads it (["a", "b"]); None for anything else, which Terraform judges."""
    text = value.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    items = [item.strip() for item in text[1:-1].split(",")]
    if items and items[-1] == "":
        items.pop()  # HCL allows a trailing comma
    strings = []
    for item in items:
        if len(item) < 2 or item[0] != '"' or item[-1] != '"':
            return None
        strings.append(item[1:-1])
    return strings


def check(variables: dict[str, str], runner_environment: str, runs_on: str) -> list[str]:
    """One problem per line, each naming the setting to change."""
    problems: list[str] = []
    access = variables.get("cluster_endpoint_access", "public").strip().strip('"')
    open_to_all = variables.get("public_api_open_to_all", "false").strip().strip('"').lower() == "true"
    raw_cidrs = variables.get("eks_public_access_cidrs", "[]")
    cidrs = hcl_strings(raw_cidrs)

    for cidr in cidrs or []:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            problems.append(f"Input 'terraform-variables': eks_public_access_cidrs has '{cidr}', which is not a CIDR such as 203.0.113.0/24.")
            continue
        # 0.0.0.0/1 with 128.0.0.0/1 is 0.0.0.0/0 by another name: the internet needs the opt-in by name.
        if network.version != 4 or network.prefixlen < SHORTEST_PREFIX:
            problems.append(
                f"Input 'terraform-variables': eks_public_access_cidrs has '{cidr}'; it takes IPv4 CIDRs of /{SHORTEST_PREFIX} or longer. "
                "To open the cluster's API to every address, say so with public_api_open_to_all=true and no CIDRs."
            )
    if cidrs and len(cidrs) > MAX_CIDRS:
        problems.append(f"Input 'terraform-variables': eks_public_access_cidrs lists {len(cidrs)} CIDRs; EKS takes at most {MAX_CIDRS}: {CHOICES}.")

    if not github_hosted(runner_environment, runs_on):
        return problems
    runner = f"GitHub-hosted runners (runs-on {runs_on or DEFAULT_RUNS_ON})"
    if access == "private":
        problems.append(
            f"Input 'terraform-variables' sets cluster_endpoint_access=private, but the jobs run on {runner}, which are outside "
            "the VPC and cannot reach a private endpoint: set runs-on to runners inside the VPC (self-hosted, or AWS "
            "CodeBuild-hosted runners in its private subnets), or use a public endpoint."
        )
    elif access == "public" and cidrs and not open_to_all:
        problems.append(
            f"Input 'terraform-variables' limits the public cluster API to eks_public_access_cidrs, but the jobs run on {runner}, "
            f"whose addresses are not a fixed set such a list can hold: {CHOICES}."
        )
    return problems
