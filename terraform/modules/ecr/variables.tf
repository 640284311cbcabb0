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
