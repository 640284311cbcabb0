output "state_bucket" {
  description = "Put this in the pipeline's backend-config as bucket=<value>."
  value       = module.state_backend.bucket
}

output "image_repository" {
  description = "The pipeline's image-repository input."
  value       = module.image_repository.repository_name
}

output "ci_role_arn" {
  description = "The pipeline's role-to-assume input, and envs/dev's ci_role_arn."
  value       = module.ci_role.role_arn
}
