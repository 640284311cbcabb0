# A stand-in for this team's own infrastructure on another cloud: it keeps to Terraform's built-in
# resources so the example's checks run anywhere, offline included. A real repository declares its
# cloud's provider here; `terraform validate` then checks it the same way.
terraform {
  required_version = ">= 1.11"
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "prod"
}

variable "replicas" {
  description = "Replicas of the ingest service."
  type        = number
  default     = 3

  validation {
    condition     = var.replicas >= 1
    error_message = "replicas must be at least 1."
  }
}

resource "terraform_data" "ingest" {
  input = { name = "ingest-${var.environment}", replicas = var.replicas }
}

output "ingest_name" {
  description = "Name of the ingest service."
  value       = terraform_data.ingest.output.name
}
