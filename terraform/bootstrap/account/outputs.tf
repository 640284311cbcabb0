output "state_bucket" {
  description = "The pipeline's backend-config bucket=<value>; also terraform/bootstrap/environment's backend bucket."
  value       = module.state_backend.bucket
}

output "state_kms_key_arn" {
  description = "KMS key of the state bucket (alias alias/<state_bucket>); the environment roles are granted it."
  value       = module.state_backend.kms_key_arn
}

output "image_repository" {
  description = "The pipeline's image-repository input."
  value       = module.image_repository.repository_name
}

output "image_build_cache_repository" {
  description = "Where ecr-build-push keeps its registry build cache (<image_repository>-build-cache)."
  value       = module.image_repository.build_cache_repository_name
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider, read or created."
  value       = local.oidc_provider_arn
}

output "permissions_boundary_arn" {
  description = "Boundary every role created by envs/<env> carries; the apply roles can create roles only with it."
  value       = aws_iam_policy.boundary.arn
}

output "ebs_encryption_by_default" {
  description = "Whether this layer turned on EBS encryption by default for the region (the Kubernetes volumes' encryption)."
  value       = var.ebs_encryption_by_default
}
