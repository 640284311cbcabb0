# Every new EBS volume of the account in this region is encrypted, whoever creates it and however it is
# asked for. The volumes Kubernetes creates for PersistentVolumeClaims go through the EBS CSI driver's
# default StorageClass (terraform/modules/eks turns it on), which sets no `encrypted` parameter of its own:
# this account setting is what encrypts them. The key is the account's AWS-managed aws/ebs key; a customer
# managed key as the account default would have to grant the Auto Scaling service-linked role in its key
# policy, or the node group could not start its instances.
resource "aws_ebs_encryption_by_default" "this" {
  count   = var.ebs_encryption_by_default ? 1 : 0
  enabled = true
}
