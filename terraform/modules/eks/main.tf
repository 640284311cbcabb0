resource "aws_cloudwatch_log_group" "cluster" {
  # EKS writes to exactly this name; creating it first sets retention and encryption.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cluster.arn
  tags              = var.tags
}

resource "aws_eks_cluster" "this" {
  # checkov:skip=CKV_AWS_39: the public endpoint is a variable (endpoint_public_access): off for a private cluster deployed from runners in the VPC; on, it is IAM-authenticated and restricted to public_access_cidrs.
  # checkov:skip=CKV_AWS_38: public_access_cidrs is validated (IPv4 prefixes of /8 or longer, at most 40); 0.0.0.0/0 only with the explicit public_access_open_to_all. checkov cannot evaluate variables statically.
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  access_config {
    # Access entries only: who may use the cluster is Terraform state, not a ConfigMap edited by hand,
    # and the creator gets no implicit admin that disappears when the creator's session does.
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    # AWS's own default for a public endpoint is 0.0.0.0/0: it is written only when asked for by name.
    public_access_cidrs = var.endpoint_public_access ? (var.public_access_open_to_all ? ["0.0.0.0/0"] : var.public_access_cidrs) : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.cluster.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]
}

resource "aws_launch_template" "node" {
  name_prefix = "${substr(var.name, 0, 24)}-node-"

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # Pods must not borrow the node's instance role through IMDS; they get their own by Pod Identity.
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.node_disk_gib
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-node" })
  }

  tags = var.tags
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "default"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  version         = var.kubernetes_version

  # No remote_access block: no SSH key, no port 22 on the nodes.
  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  scaling_config {
    min_size     = var.node_min_size
    desired_size = var.node_desired_size
    max_size     = var.node_max_size
  }

  update_config {
    max_unavailable = 1
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy_attachment.node]
}

locals {
  core_addons = {
    # The VPC CNI's network policy agent is what enforces NetworkPolicy objects on EKS: without it the
    # Airflow chart's policies (helm/airflow/values.yaml, networkPolicies.enabled) would be accepted and
    # ignored.
    "vpc-cni"                = { enableNetworkPolicy = "true" }
    "kube-proxy"             = null
    "coredns"                = null
    "eks-pod-identity-agent" = null
  }
}

resource "aws_eks_addon" "core" {
  for_each                    = local.core_addons
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  configuration_values        = each.value == null ? null : jsonencode(each.value)
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
  tags                        = var.tags
  # coredns needs nodes to become healthy; the others are harmless to order the same way.
  depends_on = [aws_eks_node_group.default]
}

# Persistent volumes (the triggerer's logs, any StatefulSet) need the EBS CSI driver on EKS >= 1.23. And since
# 1.30 EKS creates no default StorageClass (no gp2 either): a claim would stay Pending. The add-on's
# defaultStorageClass makes one, `ebs-csi-default-sc` (gp3, WaitForFirstConsumer), marked as the default.
# It sets no encryption parameter: terraform/bootstrap/account turns on the region's EBS encryption by
# default, which encrypts its volumes.
resource "aws_eks_addon" "ebs_csi" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "aws-ebs-csi-driver"
  configuration_values        = jsonencode({ defaultStorageClass = { enabled = true } })
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"

  pod_identity_association {
    role_arn        = aws_iam_role.ebs_csi.arn
    service_account = "ebs-csi-controller-sa"
  }

  tags       = var.tags
  depends_on = [aws_eks_addon.core]
}

# The pipeline's apply and deploy roles must be able to deploy in the run that creates the cluster: grant
# them here, in the same apply, instead of relying on "whoever created the cluster" (not true for later runs).
resource "aws_eks_access_entry" "admin" {
  for_each      = toset(var.admin_role_arns)
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  type          = "STANDARD"
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each      = aws_eks_access_entry.admin
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}
