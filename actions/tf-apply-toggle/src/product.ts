/**
 * Which program the `terraform` input runs. Both speak the same commands and
 * JSON; only the names differ, and an OpenTofu user reading "run terraform
 * force-unlock" would run the wrong program.
 */
export interface Product {
  /** For sentences: "the OpenTofu state is locked". */
  name: 'Terraform' | 'OpenTofu'
  /** For commands the user may type: "tofu force-unlock". */
  command: 'terraform' | 'tofu'
}

export const TERRAFORM: Product = { name: 'Terraform', command: 'terraform' }
export const OPENTOFU: Product = { name: 'OpenTofu', command: 'tofu' }

/**
 * OpenTofu when the binary is called tofu (by name or path, with or without a suffix such as
 * `tofu-1.12` or `.exe`). Both separators count, so a Windows runner's path reads the same.
 */
export function productOf(binary: string): Product {
  const file = binary.split(/[\\/]/).pop() ?? binary
  return /^tofu\b/i.test(file) ? OPENTOFU : TERRAFORM
}
