variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
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

variable "ci_role_arn" {
  description = "Role the pipeline workflow assumes (terraform/bootstrap output `ci_role_arn`); it is granted cluster admin."
  type        = string
}

variable "admin_role_arns" {
  description = "Operators' roles granted cluster admin as well."
  type        = list(string)
  default     = []
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to reach the cluster API: the runners' egress and the operators'. Never 0.0.0.0/0."
  type        = list(string)
}

variable "kubernetes_version" {
  description = "Kubernetes minor version."
  type        = string
  default     = "1.33"
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

variable "force_destroy_buckets" {
  description = "Let destroy delete non-empty data-lake buckets. Off: a destroy keeps the data unless you say otherwise."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
