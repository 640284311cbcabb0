terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # bucket, key and region come from the pipeline's `backend-config` input (one key=value per line),
  # so one configuration serves every account and environment.
  backend "s3" {
    # S3-native locking (Terraform >= 1.10): a lock object next to the state, no DynamoDB table.
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = merge(var.tags, {
      "pipeline-actions/environment" = var.environment
      "managed-by"                   = "terraform"
      "pipeline-actions/layer"       = "environment"
    })
  }
}
