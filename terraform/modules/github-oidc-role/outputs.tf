output "role_arn" {
  description = "ARN of the role: oidc-auth's role-to-assume."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "provider_arn" {
  description = "ARN of the IAM OIDC provider the role trusts (created here or passed in)."
  value       = local.provider_arn
}

output "subject" {
  description = "The exact token subject (sub claim) the role accepts."
  value       = local.subject
}

output "trust_policy" {
  description = "The role's trust policy, as JSON."
  value       = local.trust_policy
}
