# The deployments list reads these as ((terraform.<name>)); cluster_name is the one the pipeline needs.
output "cluster_name" {
  description = "EKS cluster the deploy job waits for."
  value       = module.eks.cluster_name
}

output "raw_bucket" {
  description = "Bucket the API archives raw events to."
  value       = module.events.raw_bucket
}

output "processed_bucket" {
  description = "Bucket of the Spark job's checkpoints."
  value       = module.events.processed_bucket
}
