# Stands in for envs/dev on a machine without provider downloads: built-in resources only, with the
# same output names, so the rehearsal drives tf-apply-toggle exactly as the pipeline does. The state
# lives in S3 (moto) with the same backend settings as envs/dev.
terraform {
  required_version = ">= 1.11"

  backend "s3" {
    use_lockfile = true
    # bucket, key, region come from -backend-config; the endpoint from AWS_ENDPOINT_URL_S3.
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}

variable "region" {
  description = "Region of the environment; required, as in envs/dev (the pipeline passes its aws-region)."
  type        = string
}

variable "apply_role_arn" {
  description = "Role of the Terraform jobs, granted cluster access as envs/dev grants it."
  type        = string
  default     = ""
}

variable "deploy_role_arn" {
  description = "Role of the deploy job, granted cluster access as envs/dev grants it."
  type        = string
  default     = ""
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to reach the cluster API, as envs/dev takes them: a list, passed through the pipeline's name=value lines."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.eks_public_access_cidrs : can(cidrhost(cidr, 0))])
    error_message = "Every entry of eks_public_access_cidrs must be a CIDR such as 203.0.113.0/24."
  }
}

variable "public_api_open_to_all" {
  description = "Taken as envs/dev takes it (the cluster's endpoint is the bench's), so the examples' variables apply unchanged."
  type        = bool
  default     = false
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "rehearsal"
}

variable "cluster_name" {
  description = "Name of the (moto) EKS cluster the rehearsal creates and eks-wait-and-helm waits for."
  type        = string
  default     = "datapipe-rehearsal"
}

variable "airflow_namespace" {
  description = "Kubernetes namespace of Airflow."
  type        = string
  default     = "airflow"
}

variable "apply_seconds" {
  description = "Seconds the apply takes (a sleep), to make the create step observably slow."
  type        = number
  default     = 0
}

locals {
  prefix = "datapipe-${var.environment}"
}

resource "terraform_data" "network" {
  input = { vpc = "${local.prefix}-vpc" }
}

resource "terraform_data" "cluster" {
  input = { name = var.cluster_name, network = terraform_data.network.output.vpc, region = var.region, public_access_cidrs = var.eks_public_access_cidrs }

  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}

resource "terraform_data" "data_lake" {
  input = {
    raw       = "${local.prefix}-raw"
    processed = "${local.prefix}-processed"
  }
}

resource "terraform_data" "airflow_db" {
  input = {
    host = "${local.prefix}-airflow.db.internal"
    port = 5432
    name = "airflow"
    # RDS names its managed secret rds!db-<id>; the rehearsal creates it in moto beforehand. A name, not an
    # ARN: Secrets Manager takes either, and moto's ARNs end in a random suffix this config cannot know.
    secret = "rds!db-${local.prefix}"
  }
}

resource "terraform_data" "warehouse" {
  input = { workgroup = "${local.prefix}-warehouse", database = "analytics" }
}

output "cluster_name" {
  description = "EKS cluster eks-wait-and-helm waits for."
  value       = terraform_data.cluster.output.name
}

output "region" {
  description = "Region the cluster was created in."
  value       = terraform_data.cluster.output.region
}

output "eks_public_access_cidrs" {
  description = "CIDRs the cluster API accepts, as Terraform received them."
  value       = terraform_data.cluster.output.public_access_cidrs
}

output "raw_bucket" {
  description = "Raw zone bucket."
  value       = terraform_data.data_lake.output.raw
}

output "processed_bucket" {
  description = "Processed zone bucket."
  value       = terraform_data.data_lake.output.processed
}

output "airflow_namespace" {
  description = "Kubernetes namespace of Airflow."
  value       = var.airflow_namespace
}

output "airflow_db_host" {
  description = "Host of the Airflow metadata database."
  value       = terraform_data.airflow_db.output.host
}

output "airflow_db_port" {
  description = "Port of the Airflow metadata database."
  value       = terraform_data.airflow_db.output.port
}

output "airflow_db_name" {
  description = "Database name."
  value       = terraform_data.airflow_db.output.name
}

output "airflow_db_secret_arn" {
  description = "Secret holding the database credentials; sensitive here to exercise masking."
  value       = terraform_data.airflow_db.output.secret
  sensitive   = true
}

output "warehouse_workgroup" {
  description = "Warehouse workgroup."
  value       = terraform_data.warehouse.output.workgroup
}

output "warehouse_database" {
  description = "Warehouse database."
  value       = terraform_data.warehouse.output.database
}

output "volume_kms_key_arn" {
  description = "Stands in for the volumes key of envs/dev (module.eks.volume_kms_key_arn), which the Airflow preset's StorageClass names."
  value       = "arn:aws:kms:${var.region}:123456789012:key/00000000-0000-4000-8000-000000000000"
}
