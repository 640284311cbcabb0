output "raw_bucket" {
  description = "Bucket where extracted data lands unchanged."
  value       = aws_s3_bucket.zone["raw"].id
}

output "processed_bucket" {
  description = "Bucket of transformed data, what the warehouse loads."
  value       = aws_s3_bucket.zone["processed"].id
}

output "processed_bucket_arn" {
  description = "ARN of the processed bucket (what the warehouse loads from)."
  value       = aws_s3_bucket.zone["processed"].arn
}

output "bucket_arns" {
  description = "ARNs of both buckets, for IAM policies."
  value       = [for bucket in aws_s3_bucket.zone : bucket.arn]
}

output "kms_key_arn" {
  description = "KMS key encrypting both buckets; readers and writers need kms:Decrypt / kms:GenerateDataKey on it."
  value       = aws_kms_key.this.arn
}
