variable "enabled" {
  description = "Create the warehouse. Off skips every resource of this module (no cost)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the Redshift Serverless namespace and workgroup."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the workgroup."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the workgroup (Redshift Serverless wants three zones for the default capacity in most regions; two work at base capacity 8 in some)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5439 (the EKS node group's)."
  type        = list(string)
}

variable "database_name" {
  description = "Database created in the namespace."
  type        = string
  default     = "analytics"
}

variable "base_capacity_rpu" {
  description = "Base capacity in Redshift Processing Units (8 is the minimum)."
  type        = number
  default     = 8
}

variable "load_bucket_arns" {
  description = "Buckets COPY may read from (the processed zone)."
  type        = list(string)
}

variable "load_kms_key_arn" {
  description = "KMS key of the load buckets."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every IAM role this module creates (terraform/bootstrap's; the pipeline's apply role may create roles only with it). Null: none."
  type        = string
  default     = null
}
