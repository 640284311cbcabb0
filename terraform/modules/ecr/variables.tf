variable "name" {
  description = "Repository name (what ecr-build-push's `repository` input names)."
  type        = string
}

variable "keep_images" {
  description = "Number of most recent images the lifecycle policy keeps."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "KMS key for image encryption; null creates a key for this repository."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "build_cache" {
  description = "Also create <name>-build-cache, the mutable repository ecr-build-push keeps its registry build cache in."
  type        = bool
  default     = true
}

variable "push_principal_arns" {
  description = "IAM principal ARNs (aws:PrincipalArn, '*' wildcards allowed) that may push to and delete from the repositories; with administrator_arns, everyone else in the account is denied by the repository policy, whatever their IAM policies grant. Empty: no repository policy."
  type        = list(string)
  default     = []
}

variable "administrator_arns" {
  description = "IAM principal ARNs that keep every right on the repositories, the repository policy included (the account root and whoever bootstraps). Needed with push_principal_arns: a repository policy that denies its own administrators can only be undone by the root user."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.administrator_arns) > 0 || length(var.push_principal_arns) == 0
    error_message = "administrator_arns must name at least one principal when push_principal_arns restricts pushing."
  }
}
