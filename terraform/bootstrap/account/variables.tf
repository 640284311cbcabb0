variable "region" {
  description = "Region of the state bucket and the image repositories: the pipeline's aws-region."
  type        = string
}

variable "name" {
  description = "Short project name used in resource names; every environment layer and envs/<env> of the account must use the same."
  type        = string
  default     = "datapipe"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.name))
    error_message = "name must be 2 to 15 lowercase letters, digits or '-', starting with a letter (it prefixes bucket, role and cluster names)."
  }
}

variable "image_repository" {
  description = "ECR repository of the Airflow image (the pipeline's image-repository input); <name>-build-cache is created beside it."
  type        = string
  default     = "datapipe/airflow"
}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for GitHub. Off by default: most accounts already have token.actions.githubusercontent.com, an account can hold only one, and this layer then reads it instead of claiming it. Set true only in an account without one (the plan fails, naming the provider, if it is missing)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "registry_administrator_arns" {
  description = "More IAM principal ARNs (roles or users) that may push to the image repositories and change their policies, besides the root user and whoever applies this layer. Everyone else, except the environments' image roles, is denied both by the repositories' own policy."
  type        = list(string)
  default     = []
}

variable "ebs_encryption_by_default" {
  description = "Turn on EBS encryption by default for the account in this region (a region-wide account setting): the Kubernetes volumes of every environment are then encrypted at rest. Set false only when the account's owners manage that setting elsewhere."
  type        = bool
  default     = true
}
