# The pipeline workflow reads these through tf-apply-toggle's outputs (one step output per Terraform output).

output "cluster_name" {
  description = "EKS cluster eks-wait-and-helm waits for and deploys to."
  value       = module.eks.cluster_name
}

output "region" {
  description = "Region of the environment."
  value       = var.region
}

output "raw_bucket" {
  description = "Bucket where the DAG lands extracted data (kept by terraform/bootstrap/environment across destroys)."
  value       = data.aws_s3_bucket.zone["raw"].id
}

output "processed_bucket" {
  description = "Bucket of transformed data."
  value       = data.aws_s3_bucket.zone["processed"].id
}

output "airflow_namespace" {
  description = "Kubernetes namespace of Airflow."
  value       = var.airflow_namespace
}

output "airflow_db_host" {
  description = "Host of the Airflow metadata database (private)."
  value       = module.airflow_db.address
}

output "airflow_db_port" {
  description = "Port of the Airflow metadata database."
  value       = module.airflow_db.port
}

output "airflow_db_name" {
  description = "Database name of the Airflow metadata database."
  value       = module.airflow_db.database_name
}

output "airflow_db_secret_arn" {
  description = "Secrets Manager secret RDS keeps the database credentials in (the pipeline copies them into a Kubernetes Secret)."
  value       = module.airflow_db.master_user_secret_arn
}

output "airflow_db_final_snapshot" {
  description = "Snapshot a destroy of this environment leaves (restore with database_snapshot_identifier)."
  value       = module.airflow_db.final_snapshot_identifier
}

output "warehouse_workgroup" {
  description = "Redshift Serverless workgroup; empty when the warehouse is disabled."
  value       = module.warehouse.workgroup_name
}

output "warehouse_database" {
  description = "Warehouse database; empty when disabled."
  value       = module.warehouse.database_name
}

output "warehouse_copy_role_arn" {
  description = "Role COPY uses to read the processed bucket; empty when disabled."
  value       = module.warehouse.copy_role_arn
}

output "airflow_task_role_arn" {
  description = "Role DAG task pods get through EKS Pod Identity."
  value       = aws_iam_role.airflow_tasks.arn
}

output "vpc_cidr" {
  description = "CIDR of the VPC: where the load balancer's traffic reaches the Airflow API server from (its NetworkPolicy admits it; helm/airflow/values.yaml)."
  value       = module.network.vpc_cidr_block
}

output "storage_class" {
  description = "The cluster's default StorageClass (EBS CSI add-on; volumes encrypted by the account's EBS encryption by default)."
  value       = module.eks.storage_class_name
}

output "volume_kms_key_arn" {
  description = "The environment's KMS key for the volumes Airflow claims: the Airflow preset's StorageClass (helm/airflow/storage-class.yaml) reads it as ((terraform.volume_kms_key_arn))."
  value       = module.eks.volume_kms_key_arn
}
