// Builds the bench's Kubernetes control plane from Go modules: kube-apiserver,
// kube-controller-manager, kube-scheduler and etcd from one build, and kwok.
// k8s.io/kubernetes cannot be `go install`ed: its go.mod points its k8s.io/*
// staging modules at folders inside its own repository, and Go ignores a
// dependency's replace directives. So the build runs in a throwaway module, made
// in a temp folder, that requires it and replaces each staging module with its
// published release of the same version (k8s.io/api v0.36.3 for Kubernetes v1.36.3).
// Compiling is slow and the machines are shared, so every build runs at the
// lowest CPU priority; GOFLAGS from the environment (e.g. -p=1) is honoured.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { downloadModule, goEnv, lowPriorityGoBuild } from './go-build.mjs'
import { VERSIONS } from './toolchain.mjs'

const etcdModule = 'go.etcd.io/etcd/server/v3'
const kubernetesCommands = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

// kwok ships its node and pod lifecycles as Stage objects beside its code; the bench
// passes them to kwok with --config, as kwokctl does for its default cluster.
export const KWOK_STAGE_FILES = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
]

/** The go.mod of the throwaway module: k8s.io/kubernetes, its etcd, and one replace per staging module. */
export function buildModuleGoMod(kubernetesGoMod, kubernetesVersion, etcdVersion) {
  const goLine = kubernetesGoMod.match(/^go (\S+)$/m)
  const staging = [...kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+) => \.\/staging\/src\/\1\s*$/gm)].map((match) => match[1])
  if (!goLine || staging.length === 0)
    throw new Error(`k8s.io/kubernetes ${kubernetesVersion}: go.mod has no go line or no staging replaces`)
  // Staging modules are released as v0.<minor>.<patch> alongside Kubernetes v1.<minor>.<patch>.
  const stagingVersion = kubernetesVersion.replace(/^v1\./, 'v0.')
  return [
    'module bench.invalid/control-plane-build',
    '',
    `go ${goLine[1]}`,
    '',
    'require (',
    `\tk8s.io/kubernetes ${kubernetesVersion}`,
    `\t${etcdModule} ${etcdVersion}`,
    ')',
    '',
    'replace (',
    ...staging.map((module) => `\t${module} => ${module} ${stagingVersion}`),
    ')',
    '',
  ].join('\n')
}

/**
 * Builds the four control-plane binaries into `kubernetesDir` and `etcdDir`
 * through `installInto(finalDir, fill)`, which swaps each finished folder into place.
 */
export function buildKubernetes({ run, installInto, kubernetesDir, etcdDir }) {
  const kubernetes = downloadModule(run, 'k8s.io/kubernetes', VERSIONS.kubernetes)
  const work = mkdtempSync(join(tmpdir(), 'control-plane-build-'))
  try {
    writeFileSync(join(work, 'go.mod'), buildModuleGoMod(readFileSync(kubernetes.GoMod, 'utf8'), VERSIONS.kubernetes, VERSIONS.etcd))
    const resolved = run('go', ['list', '-mod=mod', '-m', '-f', '{{.Version}}', etcdModule], { cwd: work, capture: true, env: goEnv() })
    if (resolved.stdout.trim() !== VERSIONS.etcd) {
      throw new Error(
        `k8s.io/kubernetes ${VERSIONS.kubernetes} needs etcd ${resolved.stdout.trim()}, but scripts/toolchain.mjs pins ${VERSIONS.etcd}: pin the same version`,
      )
    }
    const [major, minor] = VERSIONS.kubernetes.replace(/^v/, '').split('.')
    // Without these the API server reports v0.0.0 and Helm's kubeVersion checks see no real version.
    const version = 'k8s.io/component-base/version'
    const linkerFlags = [
      `-X ${version}.gitVersion=${VERSIONS.kubernetes}`,
      `-X ${version}.gitMajor=${major}`,
      `-X ${version}.gitMinor=${minor}`,
      `-X ${version}.gitTreeState=clean`,
    ]
    const out = join(work, 'out')
    mkdirSync(out)
    lowPriorityGoBuild(run, {
      cwd: work,
      packages: [...kubernetesCommands.map((command) => `k8s.io/kubernetes/cmd/${command}`), etcdModule],
      output: out,
      linkerFlags,
    })
    installInto(kubernetesDir, (dir) => {
      for (const command of kubernetesCommands) renameSync(join(out, command), join(dir, command))
    })
    // Go names a binary after the path element before a major-version suffix: .../server/v3 builds "server".
    installInto(etcdDir, (dir) => renameSync(join(out, 'server'), join(dir, 'etcd')))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Installs kwok (its module needs no replaces) and its stage definitions into `kwokDir`, from source. */
export function installKwok({ run, installInto, kwokDir }) {
  installInto(kwokDir, (dir) => {
    run('nice', ['-n', '19', 'go', 'install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${VERSIONS.kwok}`], {
      capture: true,
      env: goEnv({ GOBIN: dir }),
    })
    installKwokStages({ run, dir })
  })
}

/** Copies kwok's stage definitions from its Go module at the pinned version into `dir`/stages (a small download). */
export function installKwokStages({ run, dir }) {
  const kwok = downloadModule(run, 'sigs.k8s.io/kwok', VERSIONS.kwok)
  for (const file of KWOK_STAGE_FILES) {
    const target = join(dir, 'stages', file.split('/').slice(-1)[0])
    mkdirSync(dirname(target), { recursive: true })
    copyFileSync(join(kwok.Dir, file), target)
    // The module cache is read-only; the copy need not be.
    chmodSync(target, 0o644)
  }
}
