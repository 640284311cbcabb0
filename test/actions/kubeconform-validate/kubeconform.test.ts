import { describe, expect, it } from 'vitest'
import { batches, kubeconformArgs, runKubeconform } from '../../../actions/kubeconform-validate/src/kubeconform'
import { UserError } from '../../../lib/errors'
import type { Exec } from '../../../lib/exec'
import { repoRoot } from '../../harness/runner'
import { kubeconformBinary } from './helpers'

const base = {
  binary: kubeconformBinary,
  kubernetesVersion: '1.33.0',
  strict: true,
  ignoreMissingSchemas: false,
  skip: [],
  reject: [],
  schemaLocations: ['/s/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'],
  verbose: true,
  cwd: repoRoot,
}

describe('kubeconformArgs', () => {
  it('passes every option kubeconform needs', () => {
    expect(kubeconformArgs({ ...base, ignoreMissingSchemas: true, skip: ['Secret', 'v1/ConfigMap'], reject: ['Pod'], workers: 1 })).toEqual(
      [
        '-output',
        'json',
        '-summary',
        '-kubernetes-version',
        '1.33.0',
        '-verbose',
        '-strict',
        '-ignore-missing-schemas',
        '-skip',
        'Secret,v1/ConfigMap',
        '-reject',
        'Pod',
        '-schema-location',
        '/s/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json',
        '-n',
        '1',
      ],
    )
    expect(kubeconformArgs({ ...base, strict: false, verbose: false })).toEqual([
      '-output',
      'json',
      '-summary',
      '-kubernetes-version',
      '1.33.0',
      '-schema-location',
      base.schemaLocations[0],
    ])
  })
})

describe('batches', () => {
  it('keeps the command line short by splitting very long file lists', () => {
    expect(batches(['aaaa', 'bbbb', 'cc', 'd'], 10)).toEqual([
      ['aaaa', 'bbbb'],
      ['cc', 'd'],
    ])
    expect(batches(['a-very-long-name'], 4)).toEqual([['a-very-long-name']])
    expect(batches([])).toEqual([])
  })
})

describe('runKubeconform', () => {
  it('runs the real kubeconform and reads its JSON, a file that does not exist included', async () => {
    const output = await runKubeconform(
      ['test/fixtures/manifests/invalid/malformed.yaml', 'missing.yaml'],
      base,
      (await import('../../../lib/exec')).exec,
    )
    expect(output.summary).toEqual({ valid: 0, invalid: 0, errors: 3, skipped: 0 })
    expect(output.resources.map((r) => r.filename).sort()).toEqual([
      'missing.yaml',
      'test/fixtures/manifests/invalid/malformed.yaml',
      'test/fixtures/manifests/invalid/malformed.yaml',
    ])
  })

  it('merges the output of several runs', async () => {
    const calls: string[][] = []
    const exec: Exec = async (_command, args) => {
      calls.push(args.slice(args.indexOf('--') + 1))
      return {
        exitCode: 1,
        stdout: JSON.stringify({ resources: [{ filename: 'x' }], summary: { valid: 1, invalid: 2, errors: 3, skipped: 4 } }),
        stderr: '',
      }
    }
    const files = Array.from({ length: 3 }, (_, i) => `${'d'.repeat(300_000)}${i}`)
    const output = await runKubeconform(files, base, exec)
    expect(calls.map((c) => c.length)).toEqual([1, 1, 1])
    expect(output.summary).toEqual({ valid: 3, invalid: 6, errors: 9, skipped: 12 })
    expect(output.resources).toHaveLength(3)
  })

  it.each([
    ['a crash', { exitCode: 2, stdout: '', stderr: 'panic: boom\n' }, 'kubeconform failed (exit 2): panic: boom'],
    [
      'output that is not its JSON',
      { exitCode: 1, stdout: 'failed parsing command line', stderr: '' },
      'kubeconform failed (exit 1): failed parsing command line',
    ],
    ['a signal', { exitCode: 128, signal: 'SIGKILL' as const, stdout: '', stderr: '' }, 'kubeconform failed (exit 128, SIGKILL): '],
  ])('turns %s into one line', async (_name, outcome, message) => {
    const error = await runKubeconform(['a.yaml'], base, async () => outcome).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toBe(message)
  })
})
