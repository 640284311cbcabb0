import { readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  checkChart,
  checkKustomization,
  helmFailure,
  kustomizationFile,
  kustomizeCommand,
  releaseName,
  renderChart,
  renderKustomization,
  templateFile,
  withoutLogPrefix,
} from '../../../actions/kubeconform-validate/src/render'
import { UserError } from '../../../lib/errors'
import { exec } from '../../../lib/exec'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { repoRoot } from '../../harness/runner'
import { helmBinary, tempDir } from './helpers'

const chart = 'test/fixtures/charts/demo'
const context = async () => ({
  exec,
  workspace: repoRoot,
  outDir: await tempDir('kcv-render-'),
  kubernetesVersion: '1.33.0',
  env: process.env,
})

describe('helm', () => {
  it('renders a chart with its values into a file that keeps the # Source: comments', async () => {
    const rendered = await renderChart({ chart, values: [`${chart}/values-invalid.yaml`], line: chart }, helmBinary, 0, await context())
    expect(rendered).toMatchObject({ origin: 'chart', dir: chart, input: chart })
    const text = readFileSync(rendered.output as string, 'utf8')
    expect(text).toContain('# Source: demo/templates/deployment.yaml')
    expect(text).toContain('replicas: two')
    expect(text).toContain('name: demo-web')
  })

  it('puts a failed render on the template and line helm names', async () => {
    const rendered = await renderChart({ chart, values: [`${chart}/values-unrenderable.yaml`], line: 'x' }, helmBinary, 1, await context())
    expect(rendered.output).toBeUndefined()
    expect(rendered.failure).toEqual({
      message:
        'execution error at (demo/templates/configmap.yaml:6:16): logLevel is required\n\nUse --debug flag to render out invalid YAML',
      file: `${chart}/templates/configmap.yaml`,
      line: 6,
    })
  })

  it.each([
    [
      'a template error',
      'Error: template: demo/templates/a.yaml:12:20: executing "demo/templates/a.yaml" at <.Values.x.y>: nil pointer',
      { file: 'c/templates/a.yaml', line: 12 },
    ],
    ['an execution error', 'Error: execution error at (demo/templates/b.yaml:3:4): boom', { file: 'c/templates/b.yaml', line: 3 }],
    [
      'a YAML parse error',
      'Error: YAML parse error on demo/templates/c.yaml: error converting YAML to JSON: yaml: line 2: x',
      { file: 'c/templates/c.yaml', line: undefined },
    ],
    ['anything else', 'Error: Chart.yaml file is missing', { file: 'c/Chart.yaml', line: undefined }],
  ])('reads %s', (_name, output, expected) => {
    const failure = helmFailure('c', output, '/ws')
    expect({ file: failure.file, line: failure.line }).toEqual(expected)
  })

  it('puts a chart at the workspace root on its Chart.yaml', () => {
    expect(helmFailure('.', 'Error: odd', '/ws').file).toBe('Chart.yaml')
  })

  it.each([
    ['helm/airflow', 'airflow'],
    ['charts/My_Chart', 'my-chart'],
    ['.', 'release'],
    [`x/${'a'.repeat(60)}`, 'a'.repeat(53)],
  ])('names the release of %s %s', (dir, name) => {
    expect(releaseName(dir)).toBe(name)
  })

  it('finds the template of a # Source: comment, and nothing for a packaged subchart', async () => {
    expect(await templateFile(chart, 'demo/templates/service.yaml', repoRoot)).toBe(`${chart}/templates/service.yaml`)
    expect(await templateFile(chart, 'demo/charts/postgresql/templates/sts.yaml', repoRoot)).toBeUndefined()
  })

  it.each([
    [
      'a folder without Chart.yaml',
      { chart: 'test/fixtures/manifests', values: [], line: '' },
      "Input 'charts': 'test/fixtures/manifests' is not a Helm chart folder (it has no Chart.yaml).",
    ],
    [
      'a values file that does not exist',
      { chart, values: ['nope.yaml'], line: '' },
      "Input 'charts': the values file 'nope.yaml' does not exist.",
    ],
  ])('refuses %s', async (_name, input, message) => {
    const error = await checkChart(input, repoRoot).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toBe(message)
  })
})

describe('kustomize', () => {
  async function pathWith(...tools: [string, string][]) {
    const dir = await tempDir('kcv-path-')
    for (const [name, target] of tools) {
      await writeFile(join(dir, name), `#!/bin/sh\nexec ${target} "$@"\n`)
      await chmod(join(dir, name), 0o755)
    }
    return { ...process.env, PATH: `${dir}:/nonexistent` }
  }

  it('prefers kubectl kustomize, falls back to kustomize build, and says when neither is there', async () => {
    const both = await pathWith(['kubectl', '/bin/true'], ['kustomize', '/bin/true'])
    const dir = both.PATH.split(':')[0] as string
    expect(await kustomizeCommand(both)).toEqual({ command: join(dir, 'kubectl'), args: ['kustomize'] })
    const standalone = await pathWith(['kustomize', '/bin/true'])
    expect(await kustomizeCommand(standalone)).toEqual({
      command: join(standalone.PATH.split(':')[0] as string, 'kustomize'),
      args: ['build'],
    })
    for (const env of [{ PATH: '/nonexistent:' }, {}]) {
      const error = await kustomizeCommand(env).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UserError)
      expect((error as Error).message).toBe("Input 'kustomize' needs kubectl or kustomize on PATH, and neither is installed.")
    }
  })

  it('renders with the standalone kustomize binary', async () => {
    const rendered = await renderKustomization(
      'test/fixtures/kustomize/base',
      { command: toolPaths().kustomize, args: ['build'] },
      0,
      await context(),
    )
    const text = readFileSync(rendered.output as string, 'utf8')
    expect(text).toContain('name: kz-api')
  })

  it('puts a failed render on the kustomization file, without kubectl log prefixes', async () => {
    const rendered = await renderKustomization(
      'test/fixtures/kustomize/broken-overlay',
      { command: toolPaths().kustomize, args: ['build'] },
      0,
      await context(),
    )
    expect(rendered.output).toBeUndefined()
    expect(rendered.failure?.file).toBe('test/fixtures/kustomize/broken-overlay/kustomization.yaml')
    expect(rendered.failure?.message).toContain("accumulating resources from 'does-not-exist.yaml'")
  })

  it('strips klog prefixes from kubectl errors', () => {
    expect(withoutLogPrefix('E1124 02:37:26.775317   26731 run.go:72] "command failed" err="accumulating \\"x\\""\nplain')).toBe(
      'accumulating "x"\nplain',
    )
  })

  it('refuses a folder without a kustomization, and finds the file of one', async () => {
    const error = await checkKustomization('test/fixtures/manifests/valid', repoRoot).catch((e: unknown) => e)
    expect((error as Error).message).toBe("Input 'kustomize': 'test/fixtures/manifests/valid' has no kustomization.yaml.")
    await expect(checkKustomization('test/fixtures/kustomize/base', repoRoot)).resolves.toBeUndefined()
    expect(await kustomizationFile('test/fixtures/kustomize/base', repoRoot)).toBe('test/fixtures/kustomize/base/kustomization.yaml')
    expect(await kustomizationFile('test/fixtures/manifests', repoRoot)).toBe('test/fixtures/manifests')
    const dir = await tempDir('kcv-kz-')
    await mkdir(join(dir, 'a'))
    await writeFile(join(dir, 'a', 'Kustomization'), 'resources: []\n')
    expect(await kustomizationFile('a', dir)).toBe('a/Kustomization')
  })
})
