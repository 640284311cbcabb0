data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  zones = toset(["raw", "processed"])
  # Bucket names are global: the account id and region keep them from colliding with anyone else's.
  bucket_names = { for zone in local.zones : zone => "${var.name}-${zone}-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.region}" }
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
  description         = "${var.name} data lake"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = var.tags
}

# A stable name, so configurations that did not create the key (envs/<env>, a plan-only role) can find it.
resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-data-lake"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_s3_bucket" "zone" {
  # checkov:skip=CKV_AWS_18: access logs need a separate log bucket per account; the pipeline's own access goes through CloudTrail data events, which the account owner enables account-wide.
  # checkov:skip=CKV_AWS_144: cross-region replication doubles storage cost for a dev data lake whose raw zone can be re-extracted; enable it per environment when the data is not reproducible.
  # checkov:skip=CKV2_AWS_62: nothing consumes bucket events: the DAG drives every step itself.
  for_each      = local.zones
  bucket        = local.bucket_names[each.key]
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { "data-zone" = each.key })
}

resource "aws_s3_bucket_ownership_controls" "zone" {
  for_each = local.zones
  bucket   = aws_s3_bucket.zone[each.key].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "zone" {
  for_each                = local.zones
  bucket                  = aws_s3_bucket.zone[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "zone" {
  for_each = local.zones
  bucket   = aws_s3_bucket.zone[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "zone" {
  for_each = local.zones
  bucket   = aws_s3_bucket.zone[each.key].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    # Bucket keys cut KMS requests (and their cost) by orders of magnitude for many small objects.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "zone" {
  for_each = local.zones
  bucket   = aws_s3_bucket.zone[each.key].id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.zone]
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.zones
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.zone[each.key].arn, "${aws_s3_bucket.zone[each.key].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "zone" {
  for_each   = local.zones
  bucket     = aws_s3_bucket.zone[each.key].id
  policy     = data.aws_iam_policy_document.tls_only[each.key].json
  depends_on = [aws_s3_bucket_public_access_block.zone]
}
