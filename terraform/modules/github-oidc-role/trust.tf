# What the trust policy tests, kept apart from the resources so it can be
# evaluated (and tested) without the AWS provider.
locals {
  # IAM names the provider's condition keys after the issuer without its scheme.
  issuer_host = trimprefix(var.issuer_url, "https://")

  # GitHub's "context" claim: the environment for a job that names one, else the ref.
  context = (var.environment != null
    ? "environment:${var.environment}"
    : "ref:refs/heads/${var.branch}"
  )

  # With include_claim_keys ["repo", "context", "job_workflow_ref"] GitHub joins the keys in that order:
  # repo:<owner/name>:environment:<env>:job_workflow_ref:<owner/repo>/.github/workflows/<file>@<ref>.
  # GitHub's default template is repo:<owner/name>:<context>, which any workflow of the repository presents.
  subject = (var.use_default_subject
    ? "repo:${var.repository}:${local.context}"
    : "repo:${var.repository}:${local.context}:job_workflow_ref:${var.job_workflow_ref}"
  )

  # StringEquals, so no other repository, branch, environment or workflow matches. StringLike only when the
  # workflow ref ends in '*' (the validation allows it nowhere else), so the wildcard can widen only the ref.
  sub_operator = strcontains(local.subject, "*") ? "StringLike" : "StringEquals"

  trust_condition = merge(
    { StringEquals = { "${local.issuer_host}:aud" = var.audience } },
    { (local.sub_operator) = merge(
      local.sub_operator == "StringEquals" ? { "${local.issuer_host}:aud" = var.audience } : {},
      { "${local.issuer_host}:sub" = local.subject },
    ) },
  )
}
