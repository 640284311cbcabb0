locals {
  prefix = "${var.name}-${var.environment}"
}

module "network" {
  source = "../../modules/network"
  name   = local.prefix
}

module "eks" {
  source              = "../../modules/eks"
  name                = local.prefix
  kubernetes_version  = var.kubernetes_version
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  public_access_cidrs = var.eks_public_access_cidrs
  ci_role_arn         = var.ci_role_arn
  admin_role_arns     = var.admin_role_arns
}

module "data_lake" {
  source        = "../../modules/data-lake"
  name          = local.prefix
  force_destroy = var.force_destroy_buckets
}

module "airflow_db" {
  source                    = "../../modules/airflow-db"
  name                      = "${local.prefix}-airflow"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
}

module "warehouse" {
  source                    = "../../modules/warehouse"
  enabled                   = var.enable_warehouse
  name                      = "${local.prefix}-warehouse"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
  load_bucket_arns          = [module.data_lake.processed_bucket_arn]
  load_kms_key_arn          = module.data_lake.kms_key_arn
}

# What DAG tasks may do, granted to their pods through EKS Pod Identity: read and write the two zones,
# and run SQL on the warehouse through the Redshift Data API with temporary IAM credentials.
resource "aws_iam_role" "airflow_tasks" {
  name_prefix        = "${substr(local.prefix, 0, 24)}-tasks-"
  assume_role_policy = module.eks.pod_identity_trust_policy
}

data "aws_iam_policy_document" "airflow_tasks" {
  statement {
    sid       = "DataLakeObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for arn in module.data_lake.bucket_arns : "${arn}/*"]
  }
  statement {
    sid       = "DataLakeBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = module.data_lake.bucket_arns
  }
  statement {
    sid       = "DataLakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.data_lake.kms_key_arn]
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
