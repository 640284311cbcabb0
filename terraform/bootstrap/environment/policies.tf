# What each role may do. Resource-level scoping uses the names envs/<env> gives what it creates
# (<name>-<env>...), so one environment's roles cannot touch another environment's resources where the
# service supports it; where it does not (EC2, Redshift Serverless's UUID ARNs), the region bounds it.

locals {
  # ARN prefixes for the account and region.
  arn = {
    eks     = "arn:${local.partition}:eks:${var.region}:${local.account}"
    rds     = "arn:${local.partition}:rds:${var.region}:${local.account}"
    logs    = "arn:${local.partition}:logs:${var.region}:${local.account}"
    secrets = "arn:${local.partition}:secretsmanager:${var.region}:${local.account}:secret"
    iam     = "arn:${local.partition}:iam::${local.account}"
    kms     = "arn:${local.partition}:kms:${var.region}:${local.account}"
  }
  state_bucket_arn = "arn:${local.partition}:s3:::${local.state_bucket}"
  state_object_arn = "${local.state_bucket_arn}/${local.state_key}"
  # Terraform >= 1.10's S3 lock (use_lockfile): an object beside the state.
  lock_object_arn = "${local.state_object_arn}.tflock"
  # Reviewed plans (tf-apply-toggle save-plan / reviewed-plan): plans/<workspace>/<state key>/pr-<N>.tfplan and .json.
  plan_objects_arn = "${local.state_bucket_arn}/plans/*/${local.state_key}/pr-*"
  # Roles created by envs/<env> are named with name_prefix = substr(<name>-<env>, 0, 20 or 24) + "-...".
  # Name scoping assumes no environment's name is another's followed by '-' (dev and dev-2 would overlap).
  env_roles_arn      = "${local.arn.iam}:role/${length(local.prefix) <= 20 ? "${local.prefix}-" : substr(local.prefix, 0, 20)}*"
  pipeline_roles_arn = "${local.arn.iam}:role/${var.name}-pipeline-*"
  database_arn       = "${local.arn.rds}:db:${local.prefix}-airflow"

  role_policies = {
    plan   = data.aws_iam_policy_document.plan.json
    apply  = data.aws_iam_policy_document.apply.json
    image  = data.aws_iam_policy_document.image.json
    deploy = data.aws_iam_policy_document.deploy.json
  }
}

# Secret values and data, denied explicitly to the roles that only read: a later Allow (a managed policy
# someone attaches, a widened statement) cannot grant them back.
data "aws_iam_policy_document" "no_secrets_or_data" {
  statement {
    sid    = "NoSecretValuesOrData"
    effect = "Deny"
    actions = [
      "secretsmanager:GetSecretValue",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "redshift-serverless:GetCredentials",
      "redshift-data:*",
      "rds-data:*",
      "rds-db:connect",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "NoDataKeys"
    effect    = "Deny"
    actions   = ["kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey*"]
    resources = [local.database_key_arn, local.data_lake_key_arn]
  }
  statement {
    sid       = "NoDataLakeObjects"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for arn in local.data_bucket_arns : "${arn}/*"]
  }
}

# What every Terraform run of envs/<env> needs around its state, plan or apply alike: the state bucket's
# listing, its KMS key (the lock file is written even by a plan), and that the kept data-lake buckets exist.
data "aws_iam_policy_document" "terraform_backend" {
  statement {
    sid       = "DataLakeBucketsExist"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = local.data_bucket_arns
  }
  statement {
    # The S3 backend lists the bucket on init (its workspaces, under env:/): key names, never contents.
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [data.aws_kms_alias.state.target_key_arn]
  }
}

# plan: reads what envs/<env> manages and its state; writes nothing but the state's lock file and its pull request's plan.
data "aws_iam_policy_document" "plan" {
  # checkov:skip=CKV_AWS_356: Describe/List calls of EC2, EKS, RDS, Logs and Redshift Serverless take no resource ARN (or only "*"); all are read-only.
  source_policy_documents = [data.aws_iam_policy_document.no_secrets_or_data.json, data.aws_iam_policy_document.terraform_backend.json]

  statement {
    sid = "ReadWhatEnvsManages"
    actions = [
      "ec2:Describe*",
      "eks:Describe*",
      "eks:List*",
      "iam:GetOpenIDConnectProvider",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListResourceTags",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "rds:Describe*",
      "rds:ListTagsForResource",
      "redshift-serverless:GetNamespace",
      "redshift-serverless:GetWorkgroup",
      "redshift-serverless:ListNamespaces",
      "redshift-serverless:ListTagsForResource",
      "redshift-serverless:ListWorkgroups",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_object_arn, local.lock_object_arn]
  }
  statement {
    sid       = "StateLockFileOnly"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = [local.lock_object_arn]
  }
  statement {
    # A pull request's saved plan, stored for its merge to apply; never deleted by the plan role.
    sid       = "ReviewedPlansSave"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = [local.plan_objects_arn]
  }
}

# apply: creates, changes and deletes what envs/<env> manages. Roles only with the boundary.
data "aws_iam_policy_document" "apply" {
  # checkov:skip=CKV_AWS_107: none of these actions exposes credentials; the check also counts the image pull a node needs, not granted here.
  # checkov:skip=CKV_AWS_109: KMS key policies of the keys envs/<env> creates, limited by the environment tag; IAM role policies only with the permissions boundary (conditions below).
  # checkov:skip=CKV_AWS_110: every role this policy can create or change must carry the account's permissions boundary (iam:PermissionsBoundary condition), which allows no IAM; the pipeline's own roles and the boundary are denied.
  # checkov:skip=CKV_AWS_111: EC2 and Redshift Serverless create calls cannot be scoped by name (IDs are chosen by AWS); they are bound to the environment's region.
  # checkov:skip=CKV_AWS_356: same: EC2 and Redshift Serverless resources have AWS-chosen IDs, kms:CreateKey has no resource; bounded by region and request tags.
  source_policy_documents = [data.aws_iam_policy_document.terraform_backend.json]

  statement {
    sid       = "NetworkAndNodes"
    actions   = ["ec2:*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }
  statement {
    sid       = "Cluster"
    actions   = ["eks:*"]
    resources = ["${local.arn.eks}:cluster/${local.prefix}", "${local.arn.eks}:*/${local.prefix}/*"]
  }
  statement {
    sid       = "ClusterCatalog"
    actions   = ["eks:Describe*", "eks:List*"]
    resources = ["*"]
  }
  statement {
    sid       = "ClusterAccessPolicies"
    actions   = ["eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"]
    resources = ["arn:${local.partition}:eks::aws:cluster-access-policy/*"]
  }
  statement {
    sid       = "Database"
    actions   = ["rds:*"]
    resources = ["${local.arn.rds}:db:${local.prefix}-*", "${local.arn.rds}:subgrp:${local.prefix}-*", "${local.arn.rds}:pg:${local.prefix}-*", "${local.arn.rds}:snapshot:${local.prefix}-*", "${local.arn.rds}:og:default:*"]
  }
  statement {
    sid       = "DatabaseCatalog"
    actions   = ["rds:Describe*", "rds:ListTagsForResource"]
    resources = ["*"]
  }
  statement {
    sid       = "Warehouse"
    actions   = ["redshift-serverless:*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }
  statement {
    # RDS and Redshift keep the generated admin passwords in secrets they create with the caller's rights.
    sid       = "ServiceManagedSecrets"
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"]
    resources = ["${local.arn.secrets}:rds!*", "${local.arn.secrets}:redshift!*"]
  }
  statement {
    sid       = "LogGroups"
    actions   = ["logs:*"]
    resources = ["${local.arn.logs}:log-group:/aws/eks/${local.prefix}/*", "${local.arn.logs}:log-group:/vpc/${local.prefix}/*"]
  }
  statement {
    sid       = "LogCatalog"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }
  statement {
    sid       = "NewKeysOfThisEnvironment"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/pipeline-actions/environment"
      values   = [local.target]
    }
  }
  statement {
    # The environment's keys, its own and the persistent ones bootstrap made for it, found by their tag.
    sid = "KeysOfThisEnvironment"
    actions = [
      "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey*",
      "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncrypt*",
      "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
    ]
    resources = ["${local.arn.kms}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/pipeline-actions/environment"
      values   = [local.target]
    }
  }
  statement {
    sid       = "KeyCatalog"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }
  statement {
    sid       = "RolesOnlyWithTheBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"]
    resources = [local.env_roles_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }
  statement {
    sid = "RolesOfThisEnvironment"
    actions = [
      "iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies", "iam:PassRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [local.env_roles_arn]
  }
  statement {
    sid       = "ManagedPolicyCatalog"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetOpenIDConnectProvider"]
    resources = ["*"]
  }
  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com", "redshift.amazonaws.com"]
    }
  }
  statement {
    sid       = "StateReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.state_object_arn, local.lock_object_arn]
  }
  statement {
    # reviewed-plan: the apply fetches the pull request's stored plan; it never writes one.
    sid       = "ReviewedPlansRead"
    actions   = ["s3:GetObject"]
    resources = [local.plan_objects_arn]
  }
  # What the grants above could otherwise reach: the boundary, the pipeline's own roles, the kept data.
  statement {
    sid       = "NeverTheBoundaryOrThePipelineRoles"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = [local.boundary_arn, local.pipeline_roles_arn]
  }
  statement {
    sid       = "NeverRemoveABoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["*"]
  }
  statement {
    sid       = "NeverTheBootstrapKeys"
    effect    = "Deny"
    actions   = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:TagResource", "kms:UntagResource", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/pipeline-actions/layer"
      values   = ["bootstrap"]
    }
  }
  statement {
    sid       = "NeverTheKeptSnapshots"
    effect    = "Deny"
    actions   = ["rds:DeleteDBSnapshot"]
    resources = ["*"]
  }
}

# image: pushes the image and its build cache to the account's repositories; nothing else.
data "aws_iam_policy_document" "image" {
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PushAndPull"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
      "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:ListImages",
      "ecr:PutImage", "ecr:UploadLayerPart",
    ]
    resources = [data.aws_ecr_repository.image.arn, data.aws_ecr_repository.build_cache.arn]
  }
}

# deploy: finds the cluster (Kubernetes rights come from its access entry), reads the database secret to put
# it into a Kubernetes Secret, and reads the state (the uninstall job's terraform output), nothing more.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "FindTheCluster"
    actions   = ["eks:DescribeCluster", "eks:ListNodegroups"]
    resources = ["${local.arn.eks}:cluster/${local.prefix}"]
  }
  statement {
    sid       = "WaitForNodes"
    actions   = ["eks:DescribeNodegroup"]
    resources = ["${local.arn.eks}:nodegroup/${local.prefix}/*"]
  }
  statement {
    # RDS names its managed secret rds!db-<uuid> and tags it with the instance's ARN: only this database's.
    sid       = "DatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["${local.arn.secrets}:rds!db-*"]
    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
      values   = [local.database_arn]
    }
  }
  statement {
    sid       = "DatabaseSecretKey"
    actions   = ["kms:Decrypt"]
    resources = [local.database_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_object_arn]
  }
  statement {
    # The S3 backend lists the bucket on init (its workspaces, under env:/): key names, never contents.
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt"]
    resources = [data.aws_kms_alias.state.target_key_arn]
  }
}
