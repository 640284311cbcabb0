terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # One state per environment, in the account layer's bucket, so bootstrapping another environment
  # never plans against (or replaces) this one's roles:
  #   terraform init -backend-config=bucket=<state_bucket> -backend-config=key=bootstrap/<environment>.tfstate \
  #     -backend-config=region=<region>
  # The pipeline's roles are granted only their environment's envs state key, never these.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = merge(var.tags, {
      "managed-by"                   = "terraform"
      "pipeline-actions/layer"       = "bootstrap"
      "pipeline-actions/environment" = local.target
    })
  }
}
