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
export function attestationFlags({ provenance, sbom, sbomGenerator }: BuildRequest['attestations']): string[] {
  const flags: string[] = []
  if (provenance === 'false') flags.push('--provenance=false')
  else if (provenance !== 'builder') flags.push(`--provenance=mode=${provenance}`)
  // The reference was checked to hold no comma (inputs.ts), so it stays one generator= value of buildx's list.
  if (sbom) flags.push(sbomGenerator ? `--sbom=generator=${sbomGenerator}` : '--sbom=true')
  return flags
}

/** BuildKit's own scanner image, run when no generator is named. */
const DEFAULT_SCANNER = 'docker/buildkit-syft-scanner'

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
  if (!attestations.sbom) return undefined
  const generator = attestations.sbomGenerator
  const reason = scannerLine(output, generator ? repositoryOf(generator) : DEFAULT_SCANNER)
  if (reason === undefined) return undefined
  if (generator) {
    return new UserError(
      `Input 'sbom-generator' names an image the builder could not get (${generator}): ${reason}`,
      'Check the reference and that the builder can pull from that registry (a login in an earlier step, or the ECR registry this step logs in to).',
    )
  }
  return new UserError(
    `Input 'sbom' needs BuildKit's SBOM scanner image (${DEFAULT_SCANNER}), which the builder could not get: ${reason}`,
    'Let the builder reach Docker Hub, name a mirrored copy in sbom-generator, or set sbom: false.',
  )
}

/** The reference without tag or digest, as BuildKit's messages name it (it may add docker.io/ or a tag of its own). */
function repositoryOf(reference: string): string {
  return reference.replace(/@sha256:[a-f0-9]+$/, '').replace(/:[\w.-]+$/, '')
}

/**
 * The last error line that names the scanner image: BuildKit's own reason (no route, unauthorized, not found).
 * Progress lines name it too ("generating sbom using …"); a scanner that ran and failed is a build failure instead.
 */
function scannerLine(output: string, image: string): string | undefined {
  const lines = tail(output, 20)
    .split('\n')
    .map((line) => line.trim())
  const wanted = image.toLowerCase()
  return lines.reverse().find((line) => line.toLowerCase().includes(wanted) && /error|fail|denied|unauthori[sz]ed|not found/i.test(line))
}
