/**
 * sha256 of the official release archives of the tools' default versions,
 * kept in this repository so that a download from the official host is
 * checked against a figure that host did not serve in the same breath: a
 * checksum file fetched beside the archive proves only that the two agree,
 * which they would after the host were compromised too.
 *
 * Keyed by the exact official URL: a version without an entry here (a
 * `helm-version` or `kubeconform-version` the caller chose, or a mirror set
 * through PIPELINE_ACTIONS_*) is checked against the checksum its own host
 * publishes, and the log says so.
 *
 * Sources: Helm v3.19.0's release notes (github.com/helm/helm/releases/tag/v3.19.0,
 * the same figures as get.helm.sh/<archive>.sha256sum); kubeconform v0.7.0's
 * CHECKSUMS release asset (github.com/yannh/kubeconform/releases/tag/v0.7.0);
 * Terraform 1.11.4's terraform_1.11.4_SHA256SUMS (releases.hashicorp.com/terraform/1.11.4/),
 * and OpenTofu v1.12.6's tofu_1.12.6_SHA256SUMS (its GitHub release), each figure as quoted
 * by several independent public pins of the same file. OpenTofu's other platforms are not
 * pinned: no second public source for their figures was found, so they are checked against
 * the release's own SHA256SUMS like any other version.
 * When a default version changes, add its four archives here in the same commit.
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {
  'https://get.helm.sh/helm-v3.19.0-linux-amd64.tar.gz': 'a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496',
  'https://get.helm.sh/helm-v3.19.0-linux-arm64.tar.gz': '440cf7add0aee27ebc93fada965523c1dc2e0ab340d4348da2215737fc0d76ad',
  'https://get.helm.sh/helm-v3.19.0-darwin-amd64.tar.gz': '09a108c0abda42e45af172be65c49125354bf7cd178dbe10435e94540e49c7b9',
  'https://get.helm.sh/helm-v3.19.0-darwin-arm64.tar.gz': '31513e1193da4eb4ae042eb5f98ef9aca7890cfa136f4707c8d4f70e2115bef6',
  'https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-linux-amd64.tar.gz':
    'c31518ddd122663b3f3aa874cfe8178cb0988de944f29c74a0b9260920d115d3',
  'https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-linux-arm64.tar.gz':
    'cc907ccf9e3c34523f0f32b69745265e0a6908ca85b92f41931d4537860eb83c',
  'https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-darwin-amd64.tar.gz':
    'c6771cc894d82e1b12f35ee797dcda1f7da6a3787aa30902a15c264056dd40d4',
  'https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-darwin-arm64.tar.gz':
    'b5d32b2cb77f9c781c976b20a85e2d0bc8f9184d5d1cfe665a2f31a19f99eeb9',
  'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_amd64.zip':
    '1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc',
  'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_arm64.zip':
    'a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633',
  'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_darwin_amd64.zip':
    'a56d5002b9f7647291faccc3dd1a70350e60fb61e4c45037629508b8fdc2575b',
  'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_darwin_arm64.zip':
    '867e0808fa971217043e25b7a792b10720c79b1546f8a68479b74f138be73e18',
  'https://github.com/opentofu/opentofu/releases/download/v1.12.6/tofu_1.12.6_linux_amd64.tar.gz':
    '50a6106fa4de523d09c87af85f3db1dd47535fc005727fdca6852146476b88ec',
}

export function pinnedSha256(url: string): string | undefined {
  return PINNED_SHA256[url]
}

/** The log line for a download verified only against its own host's checksum file. */
export function hostChecksumNotice(tool: string, version: string, checksumsUrl: string): string {
  return `${tool} ${version} has no sha256 pinned in this action; it is verified against the checksum its own download host publishes (${checksumsUrl}).`
}
