# The permissions boundary every role that envs/<env> creates must carry (the apply roles may create roles
# only with it, see ../environment/policies.tf): whatever policy such a role is given, it can do no more
# than the cluster, its nodes, its add-ons, the database's monitoring, the flow logs, the warehouse's COPY
# and the DAG tasks need. In particular no IAM (beyond service-linked roles), no STS, no Secrets Manager,
# and S3 only on this project's buckets: a role made by the pipeline cannot mint or widen another role.
data "aws_iam_policy_document" "boundary" {
  # checkov:skip=CKV_AWS_107: a boundary grants nothing; ecr:GetAuthorizationToken is what every node needs to pull the image, and it only caps it.
  # checkov:skip=CKV_AWS_108: a boundary grants nothing; S3 reads are limited to this project's buckets by resource.
  # checkov:skip=CKV_AWS_109: a boundary grants nothing; KMS grants are what the EBS CSI driver and the cluster role need, capped here.
  # checkov:skip=CKV_AWS_110: a boundary grants nothing; iam:CreateServiceLinkedRole (ELB, EKS) is the only IAM action it lets through.
  # checkov:skip=CKV_AWS_111: a boundary grants nothing; the EC2, ELB and autoscaling writes are what AmazonEKSClusterPolicy and the CNI need.
  # checkov:skip=CKV_AWS_356: a boundary is an upper bound over roles created later with resources unknown today; the resource-scoped parts are scoped.
  statement {
    sid = "ClusterNodesAndAddons"
    actions = [
      "autoscaling:*",
      "ec2:*",
      "elasticloadbalancing:*",
      "eks:*",
      "eks-auth:AssumeRoleForPodIdentity",
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetAuthorizationToken",
      "ecr:GetDownloadUrlForLayer",
      "ecr:ListImages",
      "iam:CreateServiceLinkedRole",
      "cloudwatch:PutMetricData",
    ]
    resources = ["*"]
  }
  statement {
    sid = "LogsAndKeys"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
      "logs:PutLogEvents",
      "logs:PutRetentionPolicy",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:ListGrants",
      "kms:ReEncrypt*",
      "kms:RevokeGrant",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "ProjectBuckets"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.name}-*"]
  }
  statement {
    sid       = "Warehouse"
    actions   = ["redshift-data:*", "redshift-serverless:GetCredentials"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${var.name}-pipeline-boundary"
  description = "Permissions boundary of every role the ${var.name} pipeline creates."
  policy      = data.aws_iam_policy_document.boundary.json
}
