# The ML platform's environment, from pipeline-actions' modules by git source (pin the release SHA you reviewed):
# network, EKS with access entries for the pipeline's roles, Airflow's database, the data buckets.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # bucket, key and region come from the pipeline's backend-config input.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { "pipeline-actions/environment" = var.environment, "managed-by" = "terraform" }
  }
}

locals {
  prefix = "ml-${var.environment}"
}

module "network" {
  source = "git::https://github.com/your-org/pipeline-actions.git//terraform/modules/network?ref=v1"
  name   = local.prefix
}

module "eks" {
  source                    = "git::https://github.com/your-org/pipeline-actions.git//terraform/modules/eks?ref=v1"
  name                      = local.prefix
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  endpoint_public_access    = true
  public_access_cidrs       = var.eks_public_access_cidrs
  public_access_open_to_all = var.public_api_open_to_all
  admin_role_arns           = [var.apply_role_arn, var.deploy_role_arn]
}

module "data" {
  source = "git::https://github.com/your-org/pipeline-actions.git//terraform/modules/data-lake?ref=v1"
  name   = local.prefix
}

module "airflow_db" {
  source                    = "git::https://github.com/your-org/pipeline-actions.git//terraform/modules/airflow-db?ref=v1"
  name                      = "${local.prefix}-airflow"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.node_security_group_id]
  kms_key_arn               = module.data.kms_key_arn
}
