variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the node group."
  type        = string
  default     = "1.33"
}

variable "vpc_id" {
  description = "VPC the cluster lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane's network interfaces and the nodes (at least two zones)."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint (the CI runners' egress ranges and the operators'). Never 0.0.0.0/0."
  type        = list(string)
  validation {
    condition     = length(var.public_access_cidrs) > 0 && !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "public_access_cidrs must list at least one CIDR and must not contain 0.0.0.0/0."
  }
}

variable "ci_role_arn" {
  description = "IAM role the pipeline assumes; it gets an access entry with cluster admin so the first deploy is authorized."
  type        = string
}

variable "admin_role_arns" {
  description = "Further IAM roles (operators) granted cluster admin through access entries."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
  default     = ["t3.large"]
}

variable "node_min_size" {
  description = "Minimum number of nodes."
  type        = number
  default     = 2
}

variable "node_desired_size" {
  description = "Desired number of nodes at creation (later changes by autoscalers are kept)."
  type        = number
  default     = 2
}

variable "node_max_size" {
  description = "Maximum number of nodes."
  type        = number
  default     = 4
}

variable "node_disk_gib" {
  description = "Root volume size of each node, GiB."
  type        = number
  default     = 50
}

variable "log_retention_days" {
  description = "Days to keep control plane logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
