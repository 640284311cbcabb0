import { UserError } from '../../../../lib/errors'
import { tail } from '../../../../lib/exec'
import type { BuildRequest } from './types'

/**
 * buildx's attestation flags. BuildKit puts each attestation in an
 * attestation manifest inside the pushed image index (its platform
 * unknown/unknown, annotated vnd.docker.reference.type=attestation-manifest),
 * a layout ECR stores as it is; the index digest is then the image's digest.
 * 'builder' passes no flag, so buildx keeps its own default.
 */
export function attestationFlags({ provenance, sbom }: BuildRequest['attestations']): string[] {
  const flags: string[] = []
  if (provenance === 'false') flags.push('--provenance=false')
  else if (provenance !== 'builder') flags.push(`--provenance=mode=${provenance}`)
  if (sbom) flags.push('--sbom=true')
  return flags
}

/** The two ways an asked-for attestation fails before any image is made, told as what to change. */
export function explainAttestationFailure(attestations: BuildRequest['attestations'], output: string): UserError | undefined {
  const asked = attestations.sbom || attestations.provenance === 'min' || attestations.provenance === 'max'
  if (!asked) return undefined
  if (/attestation is not supported for the docker driver/i.test(output)) {
    return new UserError(
      "Inputs 'provenance' and 'sbom' need a BuildKit builder: buildx's default \"docker\" driver cannot attach attestations to an image.",
      'Run docker/setup-buildx-action before this step (its docker-container builder can), or leave provenance and sbom at their defaults.',
    )
  }
  // BuildKit runs the SBOM generator as an image of its own, pulled at build time.
  if (attestations.sbom && /buildkit-syft-scanner/i.test(output)) {
    return new UserError(
      `Input 'sbom' needs BuildKit's SBOM scanner image (docker/buildkit-syft-scanner), which the builder could not get: ${scannerLine(output)}`,
      'Let the builder reach Docker Hub, or set sbom: false.',
    )
  }
  return undefined
}

/** The last line that names the scanner image: BuildKit's own reason (no route, unauthorized, not found). */
function scannerLine(output: string): string {
  const lines = tail(output, 20)
    .split('\n')
    .map((line) => line.trim())
  return lines.reverse().find((line) => /buildkit-syft-scanner/i.test(line)) ?? ''
}
