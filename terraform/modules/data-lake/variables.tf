variable "name" {
  description = "Prefix of the bucket names (account id and zone suffixes are added to make them unique)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept (versioning makes mistakes recoverable)."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Let `destroy` delete buckets that still hold objects. Off by default: data outlives the toggle."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
