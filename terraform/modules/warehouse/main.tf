data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  count = var.enabled ? 1 : 0
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109: AWS's default key policy: it delegates use of the key to the account's IAM policies and grants nothing by itself; "*" in a key policy means this key.
  # checkov:skip=CKV_AWS_111: same default key policy; without it the key would be unmanageable.
  # checkov:skip=CKV_AWS_356: in a key policy the only resource is the key itself.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  count               = local.count
  description         = "${var.name} warehouse"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = var.tags
}

data "aws_iam_policy_document" "copy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The role COPY runs as: read-only on the processed zone, nothing else.
resource "aws_iam_role" "copy" {
  count                = local.count
  name_prefix          = "${substr(var.name, 0, 24)}-copy-"
  assume_role_policy   = data.aws_iam_policy_document.copy_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "copy" {
  statement {
    actions   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = concat(var.load_bucket_arns, [for arn in var.load_bucket_arns : "${arn}/*"])
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.load_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "copy" {
  count  = local.count
  role   = aws_iam_role.copy[0].id
  policy = data.aws_iam_policy_document.copy.json
}

resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5: attached to aws_redshiftserverless_workgroup.this[0] below; checkov does not follow count-indexed references.
  count       = local.count
  name_prefix = "${var.name}-wh-"
  description = "Warehouse: Redshift from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-warehouse" })

  lifecycle {
    create_before_destroy = true
  }
}

# count, not for_each over the IDs: they are unknown until the same apply creates them (see airflow-db).
resource "aws_vpc_security_group_ingress_rule" "from_nodes" {
  count                        = var.enabled ? length(var.client_security_group_ids) : 0
  security_group_id            = aws_security_group.this[0].id
  description                  = "Redshift from the EKS node group"
  ip_protocol                  = "tcp"
  from_port                    = 5439
  to_port                      = 5439
  referenced_security_group_id = var.client_security_group_ids[count.index]
}

resource "aws_redshiftserverless_namespace" "this" {
  count          = local.count
  namespace_name = var.name
  db_name        = var.database_name
  admin_username = "warehouse_admin"
  # Redshift generates the admin password and keeps it in Secrets Manager, out of Terraform state.
  manage_admin_password = true
  kms_key_id            = aws_kms_key.this[0].arn
  iam_roles             = [aws_iam_role.copy[0].arn]
  default_iam_role_arn  = aws_iam_role.copy[0].arn
  log_exports           = ["userlog", "connectionlog", "useractivitylog"]
  tags                  = var.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  count                = local.count
  namespace_name       = aws_redshiftserverless_namespace.this[0].namespace_name
  workgroup_name       = var.name
  base_capacity        = var.base_capacity_rpu
  subnet_ids           = var.subnet_ids
  security_group_ids   = [aws_security_group.this[0].id]
  publicly_accessible  = false
  enhanced_vpc_routing = true
  tags                 = var.tags
}
