# The environment layer of the bootstrap: one GitHub environment's roles (plan, apply, image, deploy), and,
# for the environment that owns them, the data that must outlive the pipeline's destroy: the data-lake
# buckets and the KMS key of the database, its secret and its final snapshots. Its own state key per
# environment (see versions.tf), so a second environment is a second state, never a change to the first.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  target    = coalesce(var.target_environment, var.github_environment)
  owns_data = var.target_environment == null || var.target_environment == var.github_environment
  # envs/<env> names everything it creates <name>-<env>...; the roles are scoped by that prefix.
  prefix    = "${var.name}-${local.target}"
  state_key = coalesce(var.state_key, "${var.name}/${local.target}/terraform.tfstate")

  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id
  # The pipeline's own roles: a name outside the <name>-<env> prefix, so the apply role's IAM rights never reach them.
  role_name = "${var.name}-pipeline-${var.github_environment}"

  state_bucket = "${var.name}-tfstate-${local.account}"
  boundary_arn = "arn:${local.partition}:iam::${local.account}:policy/${var.name}-pipeline-boundary"
  # The same names modules/data-lake gives the zones.
  data_bucket_arns = [for zone in ["raw", "processed"] : "arn:${local.partition}:s3:::${local.prefix}-${zone}-${local.account}-${var.region}"]
}

# What the account layer made, found by name: this layer needs nothing passed from its state.
data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

data "aws_kms_alias" "state" {
  name = "alias/${local.state_bucket}"
}

data "aws_ecr_repository" "image" {
  name = var.image_repository
}

data "aws_ecr_repository" "build_cache" {
  name = "${var.image_repository}-build-cache"
}

# Persistent data, owned here and not by envs/<env>: the pipeline's destroy removes the environment and
# leaves these, so a destroy never fails on a non-empty bucket and a later create finds the data again.
module "data_lake" {
  count                   = local.owns_data ? 1 : 0
  source                  = "../../modules/data-lake"
  name                    = local.prefix
  noncurrent_version_days = var.data_version_days
}

data "aws_iam_policy_document" "database_key" {
  # checkov:skip=CKV_AWS_109: AWS's default key policy: it delegates use of the key to the account's IAM policies and grants nothing by itself; "*" in a key policy means this key.
  # checkov:skip=CKV_AWS_111: same default key policy; without it the key would be unmanageable.
  # checkov:skip=CKV_AWS_356: in a key policy the only resource is the key itself.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

# The database's storage, secret, Performance Insights and every final snapshot are encrypted with this key.
# It lives here so that a snapshot left by a destroy stays restorable: a key destroyed with the environment
# would make its snapshots unreadable after the deletion window.
resource "aws_kms_key" "database" {
  count               = local.owns_data ? 1 : 0
  description         = "${local.prefix} Airflow database, its secret and its snapshots (outlives the environment)"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.database_key.json
}

resource "aws_kms_alias" "database" {
  count         = local.owns_data ? 1 : 0
  name          = "alias/${local.prefix}-database"
  target_key_id = aws_kms_key.database[0].key_id
}

# A plan-only GitHub environment (target_environment set) reads the owner's keys by their aliases.
data "aws_kms_alias" "database" {
  count = local.owns_data ? 0 : 1
  name  = "alias/${local.prefix}-database"
}

data "aws_kms_alias" "data_lake" {
  count = local.owns_data ? 0 : 1
  name  = "alias/${local.prefix}-data-lake"
}

locals {
  database_key_arn  = local.owns_data ? aws_kms_key.database[0].arn : data.aws_kms_alias.database[0].target_key_arn
  data_lake_key_arn = local.owns_data ? module.data_lake[0].kms_key_arn : data.aws_kms_alias.data_lake[0].target_key_arn
}

# One role per purpose. The trust is the same for all four (GitHub's token cannot tell one job of a workflow
# from another); what differs is what each may do, and each job of pipeline.yml asks for its own.
module "role" {
  for_each = var.roles
  source   = "../../modules/github-oidc-role"

  role_name            = "${local.role_name}-${each.key}"
  role_description     = "${each.key} role of the ${var.name} pipeline for GitHub environment ${var.github_environment}."
  repository           = var.github_repository
  environment          = var.github_environment
  job_workflow_ref     = var.job_workflow_ref
  use_default_subject  = var.use_default_subject
  create_oidc_provider = false
  oidc_provider_arn    = data.aws_iam_openid_connect_provider.github.arn
  # Apply and destroy jobs may run 90 minutes (pipeline.yml's timeout-minutes); the others fit in an hour.
  max_session_duration = each.key == "apply" ? 7200 : 3600
  inline_policies      = { (each.key) = local.role_policies[each.key] }
}
