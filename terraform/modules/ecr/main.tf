resource "aws_kms_key" "this" {
  count               = var.kms_key_arn == null ? 1 : 0
  description         = "ECR repository ${var.name}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = var.tags
}

locals {
  # The caller's key, or the one this module made: both repositories are encrypted with it.
  kms_key_arn = var.kms_key_arn == null ? aws_kms_key.this[0].arn : var.kms_key_arn
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

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

resource "aws_ecr_repository" "this" {
  name = var.name
  # Tags are never moved: a tag names one build forever, so a deploy can be traced and repeated.
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = local.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last ${var.keep_images} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.keep_images
      }
      action = { type = "expire" }
    }]
  })
}

# ecr-build-push's registry build cache (`cache: true`): one manifest under the tag `buildx`, rewritten by every
# build, so its tags must be mutable. Created here with the image repository, so nothing the pipeline makes
# outlives Terraform.
resource "aws_ecr_repository" "build_cache" {
  # checkov:skip=CKV_AWS_51: the cache is one tag that each build replaces; the images themselves stay immutable.
  # checkov:skip=CKV_AWS_163: cache layers are never run; the image built from them is scanned on push.
  count                = var.build_cache ? 1 : 0
  name                 = "${var.name}-build-cache"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = false
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = local.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "build_cache" {
  count      = var.build_cache ? 1 : 0
  repository = aws_ecr_repository.build_cache[0].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Drop cache blobs no build has referenced for 14 days"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = 14
      }
      action = { type = "expire" }
    }]
  })
}

# Who may write images, as the repositories themselves say it. An IAM policy elsewhere in the account
# (a broad ecr:* for developers, a CI user's PutImage) cannot grant it back: a Deny in a resource policy
# wins over any Allow. So an image tag that exists (ecr-build-push skips the build when the commit's tag
# is already there) and every build-cache blob were written by a principal named here, never planted.
data "aws_iam_policy_document" "repository" {
  count = length(var.push_principal_arns) > 0 ? 1 : 0

  statement {
    sid    = "OnlyThePipelineImageRolesWriteImages"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions = [
      "ecr:BatchDeleteImage",
      "ecr:CompleteLayerUpload",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    condition {
      test     = "StringNotLike"
      variable = "aws:PrincipalArn"
      values   = concat(var.push_principal_arns, var.administrator_arns)
    }
  }

  statement {
    # Otherwise anyone with ecr:SetRepositoryPolicy could lift the rule above, or make tags mutable again.
    sid    = "OnlyAdministratorsChangeTheRepository"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions = [
      "ecr:DeleteLifecyclePolicy",
      "ecr:DeleteRepository",
      "ecr:DeleteRepositoryPolicy",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:PutLifecyclePolicy",
      "ecr:SetRepositoryPolicy",
    ]
    condition {
      test     = "StringNotLike"
      variable = "aws:PrincipalArn"
      values   = var.administrator_arns
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count      = length(var.push_principal_arns) > 0 ? 1 : 0
  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.repository[0].json
}

resource "aws_ecr_repository_policy" "build_cache" {
  count      = var.build_cache && length(var.push_principal_arns) > 0 ? 1 : 0
  repository = aws_ecr_repository.build_cache[0].name
  policy     = data.aws_iam_policy_document.repository[0].json
}
