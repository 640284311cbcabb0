variable "name" {
  description = "Name prefix for every resource of this network."
  type        = string
}

variable "cidr_block" {
  description = "CIDR block of the VPC; split into one public and one private subnet per availability zone."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (EKS needs at least two)."
  type        = number
  default     = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4: EKS and RDS subnet groups need two zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, fine for dev) instead of one per zone."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs."
  type        = number
  default     = 365
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
