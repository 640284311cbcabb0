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
  description = "CIDRs allowed to reach the cluster API."
  type        = list(string)
}
