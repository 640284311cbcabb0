# The account layer of the bootstrap: what every environment of the account shares. Run once per account
# by a person with administrator credentials (see examples/README.md); terraform/bootstrap/environment then
# adds each environment's roles and persistent data without touching this layer or another environment.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  issuer_url = "https://token.actions.githubusercontent.com"
  audience   = "sts.amazonaws.com"
}

module "state_backend" {
  source      = "../../modules/state-backend"
  bucket_name = "${var.name}-tfstate-${data.aws_caller_identity.current.account_id}"
}

# Images survive a destroy of any environment, so a later create reuses them instead of rebuilding.
module "image_repository" {
  source = "../../modules/ecr"
  name   = var.image_repository
}

# An account holds one OIDC provider per issuer, often made by another team or tool. Reading it (the
# default) leaves it where it is owned: importing it here would make this layer's destroy delete a provider
# other roles depend on. Created here only when asked.
data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1
  url   = local.issuer_url
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0
  # No thumbprint: IAM verifies GitHub's issuer against its library of trusted CAs.
  url            = local.issuer_url
  client_id_list = [local.audience]
}

locals {
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}
