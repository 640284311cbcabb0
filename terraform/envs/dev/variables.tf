variable "region" {
  description = "AWS region of the environment: the pipeline passes its aws-region input, so the state, the roles and the resources cannot end up in different regions."
  type        = string
}

variable "environment" {
  description = "Environment name; prefixes every resource."
  type        = string
  default     = "dev"
}

variable "name" {
  description = "Short project name; with the environment it names the cluster, buckets and database."
  type        = string
  default     = "datapipe"
}

variable "apply_role_arn" {
  description = "The pipeline's apply role (terraform/bootstrap/environment output apply_role_arn); granted cluster admin, so Terraform can manage in-cluster resources later."
  type        = string
}

variable "deploy_role_arn" {
  description = "The pipeline's deploy role (terraform/bootstrap/environment output deploy_role_arn); granted cluster admin in the same apply that creates the cluster, so the first deploy is authorized."
  type        = string
}

variable "admin_role_arns" {
  description = "Operators' roles granted cluster admin as well."
  type        = list(string)
  default     = []
}

variable "cluster_endpoint_access" {
  description = <<-EOT
    How the deploy jobs reach the Kubernetes API:
    "private": no public endpoint; deploy jobs must run on runners inside the VPC (AWS CodeBuild-hosted GitHub Actions runners in the private subnets, or self-hosted runners there).
    "public": an IAM-authenticated public endpoint reachable from eks_public_access_cidrs (at most 40), or from anywhere when public_api_open_to_all = true.
  EOT
  type        = string
  default     = "public"

  validation {
    condition     = contains(["private", "public"], var.cluster_endpoint_access)
    error_message = "cluster_endpoint_access must be \"private\" or \"public\"."
  }
}

variable "eks_public_access_cidrs" {
  description = "IPv4 CIDRs allowed to reach the public cluster API (runners' egress, operators): at most 40, none shorter than /8. Required with cluster_endpoint_access = \"public\" unless public_api_open_to_all; empty when private."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.eks_public_access_cidrs : can(cidrhost(cidr, 0)) && !strcontains(cidr, ":") && try(tonumber(split("/", cidr)[1]) >= 8, false)])
    error_message = "eks_public_access_cidrs must be IPv4 CIDRs of /8 or longer: 0.0.0.0/0, and 0.0.0.0/1 with 128.0.0.0/1, are the whole internet. To open the API to all, say so with public_api_open_to_all = true."
  }

  validation {
    condition     = length(var.eks_public_access_cidrs) <= 40
    error_message = "eks_public_access_cidrs takes at most 40 CIDRs (EKS's limit); GitHub-hosted runners' ranges are far more: use private runners in the VPC, or public_api_open_to_all = true."
  }

  validation {
    condition     = var.cluster_endpoint_access == "private" ? length(var.eks_public_access_cidrs) == 0 : (length(var.eks_public_access_cidrs) > 0) != var.public_api_open_to_all
    error_message = "With cluster_endpoint_access = \"public\" list the allowed CIDRs in eks_public_access_cidrs, or set public_api_open_to_all = true with no CIDRs (it means 0.0.0.0/0); with \"private\" leave eks_public_access_cidrs empty."
  }
}

variable "public_api_open_to_all" {
  description = "Explicit opt-in: open the public cluster API to 0.0.0.0/0 (still IAM-authenticated), e.g. for GitHub-hosted runners. Needs cluster_endpoint_access = \"public\" and no eks_public_access_cidrs."
  type        = bool
  default     = false

  validation {
    # The empty eks_public_access_cidrs it needs is checked there: two validations naming each other would be a cycle.
    condition     = !var.public_api_open_to_all || var.cluster_endpoint_access == "public"
    error_message = "public_api_open_to_all = true needs cluster_endpoint_access = \"public\"."
  }
}

variable "kubernetes_version" {
  # In EKS standard support on 2026-12-06 and for months after: per the Amazon EKS Kubernetes release calendar
  # (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html), 1.35's standard support ends
  # 2027-03-27, while 1.34's ended 2026-12-02 and 1.33's 2026-07-29 (extended support is billed extra).
  description = "Kubernetes minor version of the control plane and nodes."
  type        = string
  default     = "1.35"
}

variable "database_snapshot_identifier" {
  description = "Restore the Airflow database from this snapshot (a previous destroy's <name>-<env>-airflow-final-<UTC time>). Keep it set while the environment lives: changing it replaces the database."
  type        = string
  default     = null
}

variable "enable_warehouse" {
  description = "Create the Redshift Serverless warehouse (billed per RPU-hour while queries run)."
  type        = bool
  default     = true
}

variable "airflow_namespace" {
  description = "Kubernetes namespace of the Airflow release."
  type        = string
  default     = "airflow"
}

variable "airflow_task_service_accounts" {
  description = "Service accounts whose pods run DAG tasks and get the data-lake and warehouse role (the chart's worker account under the KubernetesExecutor)."
  type        = list(string)
  default     = ["airflow-worker"]
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
