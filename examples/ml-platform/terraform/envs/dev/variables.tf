variable "region" {
  description = "Region of the environment (the pipeline passes its aws-region)."
  type        = string
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "dev"
}

variable "apply_role_arn" {
  description = "Role of the pipeline's Terraform jobs, granted cluster access for the uninstall."
  type        = string
}

variable "deploy_role_arn" {
  description = "Role of the pipeline's deploy job, granted cluster access."
  type        = string
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to reach the cluster API (self-hosted runners' egress): at most 40; empty with public_api_open_to_all."
  type        = list(string)
  default     = []
}

variable "public_api_open_to_all" {
  description = "Open the IAM-authenticated cluster API to every address, by name: GitHub-hosted runners have no fixed addresses."
  type        = bool
  default     = false
}
