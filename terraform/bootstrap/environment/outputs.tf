# What the workflows need, for this GitHub environment (null for a role not in `roles`).

output "state_bucket" {
  description = "The pipeline's backend-config bucket=<value>."
  value       = local.state_bucket
}

output "state_key" {
  description = "The pipeline's backend-config key=<value>: the only state key the roles may use."
  value       = local.state_key
}

output "plan_role_arn" {
  description = "Role of plan jobs (pull-request plans, pipeline mode plan): read-only, writes only the state lock file."
  value       = try(module.role["plan"].role_arn, null)
}

output "apply_role_arn" {
  description = "Role of the apply and destroy jobs (2-hour sessions); envs/<env>'s apply_role_arn."
  value       = try(module.role["apply"].role_arn, null)
}

output "image_role_arn" {
  description = "Role of the image job: push to the image repository and its build cache."
  value       = try(module.role["image"].role_arn, null)
}

output "deploy_role_arn" {
  description = "Role of the deploy and uninstall jobs; envs/<env>'s deploy_role_arn."
  value       = try(module.role["deploy"].role_arn, null)
}

output "image_repository" {
  description = "The pipeline's image-repository input."
  value       = data.aws_ecr_repository.image.name
}

output "subject" {
  description = "The exact token subject the roles accept; it needs the repository's customised subject claim unless use_default_subject."
  value       = one(distinct([for role in module.role : role.subject]))
}

output "raw_bucket" {
  description = "The raw data-lake bucket (kept across the pipeline's destroy)."
  value       = "${local.prefix}-raw-${local.account}-${var.region}"
}

output "processed_bucket" {
  description = "The processed data-lake bucket (kept across the pipeline's destroy)."
  value       = "${local.prefix}-processed-${local.account}-${var.region}"
}

output "database_kms_key_arn" {
  description = "KMS key (alias alias/<name>-<env>-database) of the database, its secret and its final snapshots; keep it to restore a snapshot."
  value       = local.database_key_arn
}
