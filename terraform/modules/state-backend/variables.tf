variable "bucket_name" {
  description = "Name of the state bucket (globally unique; include the account id)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days an overwritten state version is kept: the way back from a bad apply."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
