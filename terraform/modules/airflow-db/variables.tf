variable "name" {
  description = "Identifier of the database instance and prefix of its companions."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the subnet group (at least two zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect (the EKS node group's). Nothing else can reach the port."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of the storage, the master user secret, Performance Insights and so of every snapshot. It must outlive the database (terraform/bootstrap/environment owns it): a snapshot is restorable only while its key exists."
  type        = string
}

variable "snapshot_identifier" {
  description = "Create the database from this snapshot (e.g. the <name>-final-<UTC time> a destroy left). Keep it set for the database's life: changing it replaces the database. Null: an empty database."
  type        = string
  default     = null
}

variable "engine_version" {
  description = "PostgreSQL major version (Airflow 3 supports 13 and newer)."
  type        = string
  default     = "17"
}

variable "instance_class" {
  description = "Instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "allocated_storage_gib" {
  description = "Initial storage, GiB; storage autoscaling may grow it up to max_allocated_storage_gib."
  type        = number
  default     = 20
}

variable "max_allocated_storage_gib" {
  description = "Upper bound of storage autoscaling, GiB."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Standby in a second zone. Off for dev to halve the cost; turn on for production."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse to delete the instance. Off so the pipeline's destroy toggle can remove a dev environment; a final snapshot is still taken."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
  default     = 7
}

variable "database_name" {
  description = "Name of the database Airflow uses."
  type        = string
  default     = "airflow"
}

variable "username" {
  description = "Master user name (its password is generated and kept by RDS in Secrets Manager, never in Terraform state)."
  type        = string
  default     = "airflow"
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
