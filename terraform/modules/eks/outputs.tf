output "cluster_name" {
  description = "Name of the cluster (what eks-wait-and-helm waits for)."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "API server endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "node_security_group_id" {
  description = "Security group of the managed nodes (EKS's cluster security group, which managed node groups use)."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "node_role_arn" {
  description = "IAM role of the nodes."
  value       = aws_iam_role.node.arn
}

output "pod_identity_trust_policy" {
  description = "Trust policy JSON for roles that pods assume through EKS Pod Identity."
  value       = data.aws_iam_policy_document.pod_identity_assume.json
}

output "storage_class_name" {
  description = "The cluster's default StorageClass, made by the EBS CSI add-on (volumes encrypted by the region's EBS encryption by default)."
  value       = "ebs-csi-default-sc"
}

output "volume_kms_key_arn" {
  description = "KMS key the cluster's encrypted StorageClass (helm/airflow/storage-class.yaml) encrypts its EBS volumes with; the EBS CSI driver's role may use it."
  value       = aws_kms_key.volumes.arn
}
