output "workgroup_name" {
  description = "Redshift Serverless workgroup (what the DAG's Redshift Data API calls name); empty when disabled."
  value       = var.enabled ? aws_redshiftserverless_workgroup.this[0].workgroup_name : ""
}

output "workgroup_arn" {
  description = "ARN of the workgroup; empty when disabled."
  value       = var.enabled ? aws_redshiftserverless_workgroup.this[0].arn : ""
}

output "database_name" {
  description = "Database of the warehouse; empty when disabled."
  value       = var.enabled ? aws_redshiftserverless_namespace.this[0].db_name : ""
}

output "copy_role_arn" {
  description = "IAM role COPY uses to read the processed zone; empty when disabled."
  value       = var.enabled ? aws_iam_role.copy[0].arn : ""
}
