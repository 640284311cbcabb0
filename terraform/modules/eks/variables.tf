variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the node group."
  type        = string
  default     = "1.35"
}

variable "vpc_id" {
  description = "VPC the cluster lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane's network interfaces and the nodes (at least two zones)."
  type        = list(string)
}

variable "endpoint_public_access" {
  description = "Give the API server a public endpoint (IAM-authenticated, reachable from public_access_cidrs). False: a private cluster, reached only from inside the VPC (self-hosted or CodeBuild-hosted runners there)."
  type        = bool
}

variable "public_access_cidrs" {
  description = "IPv4 CIDRs allowed to reach the public endpoint (runners' egress, operators), at most 40, none shorter than /8. Empty with a private endpoint."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.public_access_cidrs : can(cidrhost(cidr, 0)) && !strcontains(cidr, ":") && try(tonumber(split("/", cidr)[1]) >= 8, false)])
    error_message = "public_access_cidrs must be IPv4 CIDRs of /8 or longer (0.0.0.0/1 and the like are the whole internet in pieces); opening the endpoint to all takes public_access_open_to_all = true."
  }

  validation {
    condition     = length(var.public_access_cidrs) <= 40
    error_message = "EKS accepts at most 40 public access CIDRs."
  }

  validation {
    condition     = var.endpoint_public_access ? (length(var.public_access_cidrs) > 0) != var.public_access_open_to_all : length(var.public_access_cidrs) == 0
    error_message = "A public endpoint needs public_access_cidrs, or public_access_open_to_all = true with no CIDRs; a private endpoint takes no CIDRs."
  }
}

variable "public_access_open_to_all" {
  description = "Open the public endpoint to 0.0.0.0/0 (still IAM-authenticated). Only when chosen by name, e.g. for GitHub-hosted runners, whose ranges exceed EKS's 40."
  type        = bool
  default     = false

  validation {
    condition     = !var.public_access_open_to_all || var.endpoint_public_access
    error_message = "public_access_open_to_all needs endpoint_public_access = true."
  }
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster admin through access entries: the pipeline's apply and deploy roles, so the first deploy is authorized, and operators'."
  type        = list(string)
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

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every IAM role this module creates (terraform/bootstrap's; the pipeline's apply role may create roles only with it). Null: none."
  type        = string
  default     = null
}
