data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix  = "${var.name}-${var.environment}"
  account = data.aws_caller_identity.current.account_id
  # terraform/bootstrap/account's boundary: every role created here carries it, and the apply role can
  # create roles only with it.
  permissions_boundary_arn = "arn:${data.aws_partition.current.partition}:iam::${local.account}:policy/${var.name}-pipeline-boundary"
}

# What outlives this environment, made by terraform/bootstrap/environment and found here by name: the
# data-lake buckets (so a destroy never fails on a non-empty bucket, and the data is there again after the
# next create) and the key of the database and its final snapshots (so a snapshot stays restorable).
data "aws_s3_bucket" "zone" {
  for_each = toset(["raw", "processed"])
  bucket   = "${local.prefix}-${each.key}-${local.account}-${var.region}"
}

data "aws_kms_alias" "data_lake" {
  name = "alias/${local.prefix}-data-lake"
}

data "aws_kms_alias" "database" {
  name = "alias/${local.prefix}-database"
}

locals {
  data_bucket_arns = [for zone in ["raw", "processed"] : data.aws_s3_bucket.zone[zone].arn]
}

module "network" {
  source                   = "../../modules/network"
  name                     = local.prefix
  permissions_boundary_arn = local.permissions_boundary_arn
}

module "eks" {
  source                    = "../../modules/eks"
  name                      = local.prefix
  kubernetes_version        = var.kubernetes_version
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  endpoint_public_access    = var.cluster_endpoint_access == "public"
  public_access_cidrs       = var.eks_public_access_cidrs
  public_access_open_to_all = var.public_api_open_to_all
  admin_role_arns           = distinct(concat([var.apply_role_arn, var.deploy_role_arn], var.admin_role_arns))
  permissions_boundary_arn  = local.permissions_boundary_arn
}

module "airflow_db" {
  source                    = "../../modules/airflow-db"
  name                      = "${local.prefix}-airflow"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
  kms_key_arn               = data.aws_kms_alias.database.target_key_arn
  snapshot_identifier       = var.database_snapshot_identifier
  permissions_boundary_arn  = local.permissions_boundary_arn
}

module "warehouse" {
  source                    = "../../modules/warehouse"
  enabled                   = var.enable_warehouse
  name                      = "${local.prefix}-warehouse"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
  load_bucket_arns          = [data.aws_s3_bucket.zone["processed"].arn]
  load_kms_key_arn          = data.aws_kms_alias.data_lake.target_key_arn
  permissions_boundary_arn  = local.permissions_boundary_arn
}

# What DAG tasks may do, granted to their pods through EKS Pod Identity: read and write the two zones,
# and run SQL on the warehouse through the Redshift Data API with temporary IAM credentials.
resource "aws_iam_role" "airflow_tasks" {
  name_prefix          = "${substr(local.prefix, 0, 24)}-tasks-"
  assume_role_policy   = module.eks.pod_identity_trust_policy
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "airflow_tasks" {
  statement {
    sid       = "DataLakeObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for arn in local.data_bucket_arns : "${arn}/*"]
  }
  statement {
    sid       = "DataLakeBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = local.data_bucket_arns
  }
  statement {
    sid       = "DataLakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [data.aws_kms_alias.data_lake.target_key_arn]
  }
  dynamic "statement" {
    for_each = var.enable_warehouse ? [1] : []
    content {
      sid       = "WarehouseCredentials"
      actions   = ["redshift-serverless:GetCredentials"]
      resources = [module.warehouse.workgroup_arn]
    }
  }
  dynamic "statement" {
    for_each = var.enable_warehouse ? [1] : []
    content {
      sid       = "WarehouseDataApi"
      actions   = ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"]
      resources = [module.warehouse.workgroup_arn]
    }
  }
  dynamic "statement" {
    # Statement ids are not ARNs; the Data API scopes these calls to the caller's own statements.
    for_each = var.enable_warehouse ? [1] : []
    content {
      sid       = "WarehouseDataApiResults"
      actions   = ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "airflow_tasks" {
  role   = aws_iam_role.airflow_tasks.id
  policy = data.aws_iam_policy_document.airflow_tasks.json
}

resource "aws_eks_pod_identity_association" "airflow_tasks" {
  for_each        = toset(var.airflow_task_service_accounts)
  cluster_name    = module.eks.cluster_name
  namespace       = var.airflow_namespace
  service_account = each.value
  role_arn        = aws_iam_role.airflow_tasks.arn
}

# Before the data lake moved to terraform/bootstrap/environment, envs/dev created it. For a state from then,
# this forgets the buckets and their key instead of deleting them; import them into the environment layer
# (terraform/bootstrap/README.md). A no-op for a state that never had them.
removed {
  from = module.data_lake

  lifecycle {
    destroy = false
  }
}
