variable "region" {
  description = "Region of the state bucket, the image repository and the environments."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Short project name used in resource names."
  type        = string
  default     = "datapipe"
}

variable "image_repository" {
  description = "ECR repository of the Airflow image (the pipeline's `image-repository` input)."
  type        = string
  default     = "datapipe/airflow"
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows may assume the CI role."
  type        = string
}

variable "github_environment" {
  description = "The GitHub environment whose jobs may assume the CI role (the trust policy names exactly it in `sub`). For another environment, apply again with its name and create_oidc_provider = false."
  type        = string
  default     = "dev"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
}

variable "ci_policy_arns" {
  description = "Managed policies of the CI role. Creating VPCs, EKS, RDS and IAM roles needs broad rights; the trust policy is what keeps them to one repository's environments."
  type        = list(string)
}
