terraform {
  # Validation rules that refer to other variables need Terraform 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81 made thumbprint_list optional; IAM verifies GitHub's issuer against trusted CAs.
      version = ">= 5.81"
    }
  }
}
