variable "region" {
  description = "Region of the environment: the pipeline's aws-region."
  type        = string
}

variable "name" {
  description = "Short project name; the same as the account layer's and envs/<env>'s `name`."
  type        = string
  default     = "datapipe"
}

variable "github_repository" {
  description = "owner/name of the repository whose workflow runs may assume the roles."
  type        = string
}

variable "github_environment" {
  description = "The GitHub environment whose jobs may assume the roles (part of the trusted subject), e.g. dev, or dev-plan for pull-request plans."
  type        = string
}

variable "job_workflow_ref" {
  description = "The reusable workflow that may assume the roles, as the job_workflow_ref claim: <owner>/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1 (validate.yml for a plan-only environment). Needs the repository's subject claim customised to [\"repo\", \"context\", \"job_workflow_ref\"]. A trailing '*' in the ref only (e.g. @refs/tags/v1.*) accepts every tag it matches."
  type        = string
  default     = null
}

variable "use_default_subject" {
  description = "Fallback, chosen explicitly instead of job_workflow_ref: trust GitHub's default subject repo:<repository>:environment:<github_environment>, which ANY workflow of the repository naming the environment can present."
  type        = bool
  default     = false
}

variable "target_environment" {
  description = "The envs/<env> environment these roles act on, when it differs from github_environment (e.g. github_environment = dev-plan with target_environment = dev: a reviewer-free GitHub environment whose plan role reads dev's state). Null: the same as github_environment. Persistent data is created only by the layer whose GitHub environment is the target itself."
  type        = string
  default     = null
}

variable "roles" {
  description = "The roles to create for this GitHub environment: any of plan, apply, image, deploy (a plan-only environment such as dev-plan needs [\"plan\"])."
  type        = set(string)
  default     = ["plan", "apply", "image", "deploy"]

  validation {
    condition     = length(setsubtract(var.roles, ["plan", "apply", "image", "deploy"])) == 0
    error_message = "roles may contain only plan, apply, image and deploy."
  }
}

variable "image_repository" {
  description = "The account layer's image_repository: the image role may push to it and to <image_repository>-build-cache."
  type        = string
  default     = "datapipe/airflow"
}

variable "state_key" {
  description = "Key of the environment's envs/<env> state in the state bucket (the pipeline's backend-config key=). Null: <name>/<target environment>/terraform.tfstate."
  type        = string
  default     = null
}

variable "data_version_days" {
  description = "Days a replaced or deleted data-lake object version is kept."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
