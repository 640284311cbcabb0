variable "repository" {
  description = "The GitHub repository allowed to assume the role, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.repository))
    error_message = "repository must be owner/name with no wildcards, e.g. example-org/data-pipeline."
  }
}

variable "environment" {
  description = "The GitHub environment whose jobs may assume the role (sub repo:<repository>:environment:<environment>). Set exactly one of environment and branch."
  type        = string
  default     = null

  validation {
    condition     = var.environment == null ? true : (var.environment != "" && !strcontains(var.environment, "*"))
    error_message = "environment must be an exact environment name: a '*' in the subject would let other environments assume the role."
  }
}

variable "branch" {
  description = "The branch whose jobs may assume the role, without refs/heads/ (sub repo:<repository>:ref:refs/heads/<branch>). Set exactly one of environment and branch."
  type        = string
  default     = null

  validation {
    condition     = var.branch == null ? true : (var.branch != "" && !strcontains(var.branch, "*") && !startswith(var.branch, "refs/"))
    error_message = "branch must be an exact branch name without refs/heads/: a '*' in the subject would let other branches assume the role."
  }

  validation {
    condition     = (var.environment == null) != (var.branch == null)
    error_message = "Set exactly one of environment and branch: the trust policy pins the subject to one of them."
  }
}

variable "job_workflow_ref" {
  description = "The reusable workflow allowed to assume the role, as GitHub writes the job_workflow_ref claim: <owner>/<repo>/.github/workflows/<file>@<ref>, e.g. your-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1. The role then expects the customised subject claim (include_claim_keys [\"repo\", \"context\", \"job_workflow_ref\"], set on the repository). A '*' is accepted only at the end of the ref (e.g. @refs/tags/v1.*), for callers that pin each release tag of one major."
  type        = string
  default     = null

  validation {
    condition = var.job_workflow_ref == null ? true : can(regex(
      "^[A-Za-z0-9-]+/[A-Za-z0-9._-]+/\\.github/workflows/[A-Za-z0-9._-]+\\.ya?ml@[^*?\\[\\]\\s]+\\*?$", var.job_workflow_ref
    ))
    error_message = "job_workflow_ref must be <owner>/<repo>/.github/workflows/<file>.yml@<ref>, with no wildcard before '@' and at most one '*', at the end of the ref (e.g. @refs/tags/v1 or @refs/tags/v1.*)."
  }
}

variable "use_default_subject" {
  description = "Fallback, chosen explicitly: trust GitHub's default subject (repo:<repository>:environment:<environment>), which any workflow of the repository that names the environment can present. Leave false and set job_workflow_ref to bind the role to the reusable workflow."
  type        = bool
  default     = false

  validation {
    condition     = var.use_default_subject != (var.job_workflow_ref != null)
    error_message = "Set exactly one of job_workflow_ref (the reusable workflow allowed, with the repository's subject claim customised to repo, context, job_workflow_ref) and use_default_subject = true (GitHub's default subject, accepted from any workflow of the repository)."
  }
}

variable "role_name" {
  description = "Name of the IAM role to create."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 of letters, digits and + = , . @ _ -."
  }
}

variable "role_path" {
  description = "Path of the IAM role."
  type        = string
  default     = "/"
}

variable "role_description" {
  description = "Description of the IAM role."
  type        = string
  default     = "Assumed by GitHub Actions through OIDC."
}

variable "max_session_duration" {
  description = "Longest session, in seconds, that the role allows (3600 to 43200); oidc-auth's role-duration-seconds must not exceed it."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be from 3600 to 43200 seconds."
  }
}

variable "audience" {
  description = "The token audience the role accepts; oidc-auth's audience input must match it."
  type        = string
  default     = "sts.amazonaws.com"

  validation {
    condition     = length(var.audience) > 0 && !strcontains(var.audience, "*")
    error_message = "audience must be an exact value, without '*'."
  }
}

variable "issuer_url" {
  description = "The OIDC issuer: GitHub's, or https://token.actions.githubusercontent.com/<enterprise> for an enterprise-specific issuer."
  type        = string
  default     = "https://token.actions.githubusercontent.com"

  validation {
    condition     = startswith(var.issuer_url, "https://") && !endswith(var.issuer_url, "/")
    error_message = "issuer_url must start with https:// and have no trailing slash."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for the issuer. An account holds one provider per issuer: set false and pass oidc_provider_arn when it already exists."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing IAM OIDC provider for the issuer; required when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when create_oidc_provider is false."
  }
}

variable "managed_policy_arns" {
  description = "Managed policies to attach to the role."
  type        = set(string)
  default     = []
}

variable "inline_policies" {
  description = "Inline policies of the role: name to JSON policy document."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the role."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the role and the provider."
  type        = map(string)
  default     = {}
}
