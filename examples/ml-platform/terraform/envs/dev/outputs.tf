# The pipeline reads cluster_name; the Airflow preset reads airflow_*, raw_bucket and processed_bucket by these
# names; the deployments list may read any of them as ((terraform.<name>)).
output "cluster_name" {
  description = "EKS cluster the deploy job waits for."
  value       = module.eks.cluster_name
}

output "airflow_namespace" {
  description = "Namespace of Airflow."
  value       = "airflow"
}

output "airflow_db_host" {
  description = "Airflow's database host."
  value       = module.airflow_db.address
}

output "airflow_db_port" {
  description = "Airflow's database port."
  value       = module.airflow_db.port
}

output "airflow_db_name" {
  description = "Airflow's database name."
  value       = module.airflow_db.database_name
}

output "airflow_db_secret_arn" {
  description = "Secret with the database's master credentials (RDS-managed)."
  value       = module.airflow_db.master_user_secret_arn
}

output "raw_bucket" {
  description = "Bucket of the raw training data."
  value       = module.data.raw_bucket
}

output "processed_bucket" {
  description = "Bucket of the features MLflow runs read."
  value       = module.data.processed_bucket
}

output "volume_kms_key_arn" {
  description = "The KMS key of the volumes Airflow claims: the Airflow preset's StorageClass reads it as ((terraform.volume_kms_key_arn))."
  value       = module.eks.volume_kms_key_arn
}
