"""What exists in moto, read with boto3 rather than through Terraform, so a test
can check what an apply really created. Prints one JSON object.

Usage: python moto_inventory.py <endpoint> <region>
       python moto_inventory.py <endpoint> <region> --add-github-oidc-provider   (seeds the account instead)
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError


def client(service, endpoint, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def optional(call, *keys):
    """The value at `keys` of a call's answer, or None when the thing is not configured."""
    try:
        value = call()
    except ClientError:
        return None
    for key in keys:
        value = value[key]
    return value


def buckets(s3):
    found = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        found[name] = {
            "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
            "encryption": optional(
                lambda: s3.get_bucket_encryption(Bucket=name),
                "ServerSideEncryptionConfiguration",
                "Rules",
            ),
            "public_access_block": optional(
                lambda: s3.get_public_access_block(Bucket=name), "PublicAccessBlockConfiguration"
            ),
            "policy": json.loads(optional(lambda: s3.get_bucket_policy(Bucket=name), "Policy") or "null"),
            "lifecycle_rules": optional(
                lambda: s3.get_bucket_lifecycle_configuration(Bucket=name), "Rules"
            ),
        }
    return found


def repositories(ecr):
    found = {}
    for repository in ecr.describe_repositories()["repositories"]:
        name = repository["repositoryName"]
        found[name] = {
            "tag_mutability": repository["imageTagMutability"],
            "scan_on_push": repository["imageScanningConfiguration"]["scanOnPush"],
            "encryption": repository["encryptionConfiguration"]["encryptionType"],
            "lifecycle_policy": json.loads(
                optional(lambda: ecr.get_lifecycle_policy(repositoryName=name), "lifecyclePolicyText") or "null"
            ),
            "policy": json.loads(
                optional(lambda: ecr.get_repository_policy(repositoryName=name), "policyText") or "null"
            ),
        }
    return found


def roles(iam):
    found = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        if role["Path"].startswith("/aws-service-role/"):
            continue
        found[name] = {
            "role_id": role["RoleId"],
            "create_date": role["CreateDate"],
            "trust_policy": role["AssumeRolePolicyDocument"],
            "max_session_duration": role["MaxSessionDuration"],
            "permissions_boundary": iam.get_role(RoleName=name)["Role"]
            .get("PermissionsBoundary", {})
            .get("PermissionsBoundaryArn"),
            "managed_policies": [
                policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            ],
            "inline_policies": {
                policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
            },
        }
    return found


def policies(iam):
    """The account's own managed policies (Scope=Local), each with its default version's document."""
    found = {}
    for policy in iam.list_policies(Scope="Local")["Policies"]:
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        found[policy["PolicyName"]] = {"arn": policy["Arn"], "document": version["PolicyVersion"]["Document"]}
    return found


def vpcs(ec2):
    """The VPCs a configuration made (moto's default VPC left out), with what hangs off them."""
    found = {}
    for vpc in ec2.describe_vpcs()["Vpcs"]:
        if vpc.get("IsDefault"):
            continue
        vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        found[vpc["VpcId"]] = {
            "cidr": vpc["CidrBlock"],
            "subnets": sorted(subnet["CidrBlock"] for subnet in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]),
            "nat_gateways": [
                gateway["State"] for gateway in ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
            ],
            "flow_logs": len(
                ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
            ),
        }
    return found


def main():
    endpoint, region = sys.argv[1], sys.argv[2]
    if sys.argv[3:] == ["--add-github-oidc-provider"]:
        # What most accounts already have before the bootstrap runs: GitHub's provider, made by someone else.
        client("iam", endpoint, region).create_open_id_connect_provider(
            Url="https://token.actions.githubusercontent.com",
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["0" * 40],
        )
        return
    iam = client("iam", endpoint, region)
    kms = client("kms", endpoint, region)
    keys = [key["KeyId"] for key in kms.list_keys()["Keys"]]
    print(
        json.dumps(
            {
                "buckets": buckets(client("s3", endpoint, region)),
                "repositories": repositories(client("ecr", endpoint, region)),
                "roles": roles(iam),
                "policies": policies(iam),
                "kms_aliases": {
                    alias["AliasName"]: alias.get("TargetKeyId")
                    for alias in kms.list_aliases()["Aliases"]
                    if not alias["AliasName"].startswith("alias/aws/")
                },
                "oidc_providers": [
                    provider["Arn"] for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
                ],
                "kms_keys": {
                    key: kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] for key in keys
                },
                # None for a key whose policy cannot be read (one pending deletion, say).
                "kms_key_policies": {
                    key: json.loads(optional(lambda key=key: kms.get_key_policy(KeyId=key, PolicyName="default"), "Policy") or "null")
                    for key in keys
                },
                "kms_key_descriptions": {key: kms.describe_key(KeyId=key)["KeyMetadata"].get("Description", "") for key in keys},
                "vpcs": vpcs(client("ec2", endpoint, region)),
                "ebs_encryption_by_default": client("ec2", endpoint, region).get_ebs_encryption_by_default()[
                    "EbsEncryptionByDefault"
                ],
                "log_groups": [
                    group["logGroupName"] for group in client("logs", endpoint, region).describe_log_groups()["logGroups"]
                ],
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
