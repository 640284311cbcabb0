# Run once per AWS account, by a person with administrator credentials, with local state first:
# it creates what the pipeline needs before it can run at all (the state bucket it stores its state in,
# the role it assumes, the image repository that outlives create/destroy cycles). See examples/README.md.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { "managed-by" = "terraform", "pipeline-actions/layer" = "bootstrap" }
  }
}

data "aws_caller_identity" "current" {}

module "state_backend" {
  source      = "../modules/state-backend"
  bucket_name = "${var.name}-tfstate-${data.aws_caller_identity.current.account_id}"
}

# Images survive a destroy of the environment, so a later create reuses them instead of rebuilding.
module "image_repository" {
  source = "../modules/ecr"
  name   = var.image_repository
}

module "ci_role" {
  source = "../modules/github-oidc-role"

  role_name            = "${var.name}-pipeline-${var.github_environment}"
  repository           = var.github_repository
  environment          = var.github_environment
  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.create_oidc_provider ? null : "arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
  managed_policy_arns  = var.ci_policy_arns
}
