terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Local state on purpose: this layer creates the bucket remote state lives in. Keep terraform.tfstate
  # somewhere safe, or move it into the new bucket afterwards (add `backend "s3" {}` and `terraform init
  # -migrate-state -backend-config=bucket=<state_bucket> -backend-config=key=bootstrap/account.tfstate ...`).
}

provider "aws" {
  region = var.region
  default_tags {
    tags = merge(var.tags, { "managed-by" = "terraform", "pipeline-actions/layer" = "bootstrap" })
  }
}
