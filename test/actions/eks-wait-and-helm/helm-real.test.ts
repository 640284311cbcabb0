import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import {
  historyArgs,
  listArgs,
  rollbackArgs,
  templateArgs,
  uninstallArgs,
  upgradeArgs,
} from '../../../actions/eks-wait-and-helm/src/helm/args'
import { helmCli } from '../../../actions/eks-wait-and-helm/src/helm/cli'
import { writeInlineValues } from '../../../actions/eks-wait-and-helm/src/helm/values'
import { detectHelm } from '../../../actions/eks-wait-and-helm/src/helm/version'
import { parseReleases, type Release } from '../../../actions/eks-wait-and-helm/src/releases'
import { exec } from '../../../lib/exec'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { freePort } from '../../bench/ports'
import { requireTool } from '../../harness/in-process'
import { repoRoot } from '../../harness/runner'

// The real helms the bench pins (v3.19.0 and v4.3.1, built from source, so they report v3.19 and v4.3).
// The setup installs both for the bench tests; without them these tests are skipped, and their name says why.
const helm3 = requireTool('helm v3', toolPaths().helm)
const helm4 = requireTool('helm v4', toolPaths().helm4)
const helmPath = helm3.path
const helm4Path = helm4.path
const chart = 'test/fixtures/charts/eks-demo'
let workDir: string
let unreachableKubeconfig: string

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'helm-real-'))
  unreachableKubeconfig = join(workDir, 'unreachable.kubeconfig')
  const port = await freePort()
  await writeFile(
    unreachableKubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: t}}]\n`,
    { mode: 0o600 },
  )
})

const cli = (major: number, path = helmPath) =>
  helmCli({
    path,
    major,
    version: `v${major}`,
    kubeconfig: unreachableKubeconfig,
    stateDir: workDir,
    cwd: repoRoot,
    exec,
    env: { PATH: process.env.PATH, HOME: workDir },
  })

describe.skipIf(helm3.skip || helm4.skip)(
  `the real helm${helm3.reason || helm4.reason ? ` (skipped: ${helm3.reason || helm4.reason})` : ''}`,
  () => {
    it('is detected as Helm 3 or Helm 4', async () => {
      expect(await detectHelm(helmPath, exec)).toEqual({ path: helmPath, version: 'v3.19', major: 3 })
      expect(await detectHelm(helm4Path, exec)).toEqual({ path: helm4Path, version: 'v4.3', major: 4 })
    })

    it.each([
      [3, helmPath],
      [4, helm4Path],
    ])('Helm %d lints the fixture chart', async (major, path) => {
      const result = await cli(major, path).run(['lint', chart, '--strict'], { silent: true })
      expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/)
      expect(result.exitCode).toBe(0)
    })

    it.each([
      [3, helmPath],
      [4, helm4Path],
    ])('Helm %d renders inline values exactly, where --set would split them on commas', async (major, path) => {
      const [release] = helmReleases(`
- name: demo
  chart: ${chart}
  namespace: apps
  values-files: [${chart}/values.yaml]
  values:
    replicaCount: 3
    settings:
      LIST: "a,b,c"
      DSN: "postgresql://user:p@ss,w=rd@db:5432/airflow?sslmode=require"
      DOTTED.KEY: "x.y"
      MULTILINE: |
        line one
        line two, with comma
`)
      if (!release) throw new Error('no release parsed')
      const inline = await writeInlineValues(workDir, release, 0)
      const result = await cli(major, path).run(templateArgs(release, release.chart, [...release.valuesFiles, inline as string]), {
        silent: true,
      })
      expect(result.stderr).toBe('')
      expect(result.exitCode).toBe(0)
      const documents = parseAllDocuments(result.stdout).map((document) => document.toJS())
      const configMap = documents.find((document) => document?.kind === 'ConfigMap')
      expect(configMap.data).toEqual({
        LIST: 'a,b,c',
        DSN: 'postgresql://user:p@ss,w=rd@db:5432/airflow?sslmode=require',
        'DOTTED.KEY': 'x.y',
        MULTILINE: 'line one\nline two, with comma\n',
      })
      expect(documents.find((document) => document?.kind === 'Deployment').spec.replicas).toBe(3)
      // For contrast: the same value through --set becomes a list.
      const viaSet = await cli(major, path).run(['template', 'demo', chart, '--set', 'settings.LIST=a,b,c'], { silent: true })
      expect(viaSet.exitCode).not.toBe(0)
    })

    it.each([
      [3, helmPath],
      [4, helm4Path],
    ])('Helm %d accepts every command line the deploy path builds for it, failing only on the unreachable cluster', async (major, path) => {
      const [release] = helmReleases(`- name: demo\n  chart: ${chart}\n  namespace: apps\n  timeout: 5s\n`)
      if (!release) throw new Error('no release parsed')
      for (const args of [
        upgradeArgs(release, release.chart, [`${chart}/values.yaml`], major),
        upgradeArgs({ ...release, atomic: false }, release.chart, [], major),
        upgradeArgs({ ...release, atomic: false, wait: false }, release.chart, [], major),
        historyArgs(release),
        listArgs(release.namespace, [release.name, 'web.v2'], major),
        rollbackArgs(release, 1, major),
        uninstallArgs(release, major),
      ]) {
        const result = await cli(major, path).run(args, { silent: true })
        expect(result.exitCode, args.join(' ')).toBe(1)
        expect(result.stderr, args.join(' ')).not.toMatch(/unknown (flag|shorthand)|invalid argument|flag needs an argument|deprecated/)
        expect(result.stderr, args.join(' ')).toMatch(/kubernetes cluster unreachable|connection refused/i)
      }
    })
  },
)

/** The Helm releases of a releases input (these tests list no manifests entries). */
function helmReleases(text: string): Release[] {
  return parseReleases(text) as Release[]
}
