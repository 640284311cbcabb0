output "repository_name" {
  description = "Repository name."
  value       = aws_ecr_repository.this.name
}

output "repository_url" {
  description = "Repository URI (registry/name)."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "Repository ARN."
  value       = aws_ecr_repository.this.arn
}

output "build_cache_repository_name" {
  description = "The build cache repository (ecr-build-push's cache-repository), or null without one."
  value       = var.build_cache ? aws_ecr_repository.build_cache[0].name : null
}
