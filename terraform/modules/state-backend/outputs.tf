output "bucket" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the state bucket (for the CI role's policy)."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting state (the CI role needs kms:Decrypt and kms:GenerateDataKey on it)."
  value       = aws_kms_key.this.arn
}
