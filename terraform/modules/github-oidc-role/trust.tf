# What the trust policy tests, kept apart from the resources so it can be
# evaluated (and tested) without the AWS provider.
locals {
  # IAM names the provider's condition keys after the issuer without its scheme.
  issuer_host = trimprefix(var.issuer_url, "https://")

  subject = (var.environment != null
    ? "repo:${var.repository}:environment:${var.environment}"
    : "repo:${var.repository}:ref:refs/heads/${var.branch}"
  )

  # StringEquals, not StringLike: the subject is exact, so no other repository, branch or environment matches.
  trust_condition = {
    StringEquals = {
      "${local.issuer_host}:aud" = var.audience
      "${local.issuer_host}:sub" = local.subject
    }
  }
}
