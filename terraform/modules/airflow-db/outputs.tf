output "address" {
  description = "Host name of the database (resolvable inside the VPC only)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Database Airflow uses."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret (JSON with username and password) that RDS manages for the master user."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "kms_key_arn" {
  description = "KMS key of the database, its secret and Performance Insights; readers of the secret need kms:Decrypt on it."
  value       = var.kms_key_arn
}

output "final_snapshot_identifier" {
  description = "Name of the snapshot RDS takes when this database is destroyed."
  value       = aws_db_instance.this.final_snapshot_identifier
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}
