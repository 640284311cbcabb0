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
# Only the image roles of terraform/bootstrap/environment (named <name>-pipeline-<environment>-image) push;
# the account's administrators keep control of the repositories. See modules/ecr for why.
module "image_repository" {
  source              = "../../modules/ecr"
  name                = var.image_repository
  push_principal_arns = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${var.name}-pipeline-*-image"]
  administrator_arns  = local.registry_administrators
}

# Whoever applies this layer, as the role behind an assumed-role session (an SSO or admin role), so a
# later apply by the same role can still change the repository policy; plus the root user, who can
# always repair it, and the ones named.
data "aws_iam_session_context" "current" {
  arn = data.aws_caller_identity.current.arn
}

locals {
  registry_administrators = distinct(concat(
    ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"],
    [data.aws_iam_session_context.current.issuer_arn],
    var.registry_administrator_arns,
  ))
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
