import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as core from '../../lib/core'
import { captureStdout } from '../harness/capture'
import { parseFileCommands } from '../harness/commands'

const saved = { ...process.env }
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'core-'))
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_STATE']) {
    process.env[name] = join(dir, name)
    await writeFile(join(dir, name), '')
  }
})
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
})

const fileCommands = async (name: string) => parseFileCommands(await readFile(join(dir, name), 'utf8'))

describe('lib/core: the runner protocol', () => {
  it('reads an input by its runner name, trimmed, and empty when unset', () => {
    process.env['INPUT_ROLE-TO-ASSUME'] = '  arn:aws:iam::1:role/x \n'
    process.env.INPUT_WITH_SPACE = 'yes'
    expect(core.getInput('role-to-assume')).toBe('arn:aws:iam::1:role/x')
    expect(core.getInput('with space')).toBe('yes')
    expect(core.getInput('absent')).toBe('')
  })

  it('writes outputs, variables and state as heredoc file commands the runner parses back unchanged', async () => {
    const multiline = 'line one\nname=value\n<<EOF\n%0A stays'
    core.setOutput('text', multiline)
    core.setOutput('json', { a: [1, 2] })
    core.setOutput('nothing', undefined)
    core.exportVariable('AWS_REGION', 'eu-west-1')
    core.saveState('path', '/tmp/x')
    expect(await fileCommands('GITHUB_OUTPUT')).toEqual({ text: multiline, json: '{"a":[1,2]}', nothing: '' })
    expect(await fileCommands('GITHUB_ENV')).toEqual({ AWS_REGION: 'eu-west-1' })
    expect(process.env.AWS_REGION).toBe('eu-west-1')
    expect(await fileCommands('GITHUB_STATE')).toEqual({ path: '/tmp/x' })
    // A fresh random delimiter per value, so no value can close another's heredoc.
    const delimiters = (await readFile(join(dir, 'GITHUB_OUTPUT'), 'utf8')).match(/<<ghadelimiter_[0-9a-f-]{36}/g)
    expect(new Set(delimiters).size).toBe(3)
  })

  it('falls back to the workflow commands without the runner files, and reads state back', async () => {
    delete process.env.GITHUB_OUTPUT
    delete process.env.GITHUB_STATE
    const { stdout } = await captureStdout(async () => {
      core.setOutput('a,b', 'x:y\nz')
      core.saveState('s', 'v')
    })
    // @actions/core starts the deprecated set-output command on a line of its own (a blank line first).
    expect(stdout).toBe('\n::set-output name=a%2Cb::x:y%0Az\n::save-state name=s::v\n')
    process.env.STATE_s = 'v'
    expect(core.getState('s')).toBe('v')
    expect(core.getState('other')).toBe('')
  })

  it('escapes masks, annotations and their properties so a value cannot end or forge a command', async () => {
    const { stdout, commands, exitCode } = await captureStdout(async () => {
      core.setSecret('p%ss\nword')
      core.info('plain line')
      core.debug('why: 100%')
      core.notice('n')
      core.warning('two\nlines', { file: 'a,b.yaml', startLine: 3 })
      core.error('bad::value', { title: 'T: x', file: 'k8s/app.yaml', startLine: 7, endLine: 9, startColumn: 2, endColumn: 5 })
      core.setFailed('failed\r\nhere')
    })
    expect(stdout.split('\n')).toEqual([
      '::add-mask::p%25ss%0Aword',
      'plain line',
      '::debug::why: 100%25',
      '::notice::n',
      '::warning file=a%2Cb.yaml,line=3::two%0Alines',
      '::error title=T%3A x,file=k8s/app.yaml,line=7,endLine=9,col=2,endColumn=5::bad::value',
      '::error::failed%0D%0Ahere',
      '',
    ])
    expect(commands.masks).toEqual(['p%ss\nword'])
    expect(commands.annotations[2]).toEqual({
      level: 'error',
      message: 'bad::value',
      file: 'k8s/app.yaml',
      line: 7,
      endLine: 9,
      column: 2,
      title: 'T: x',
    })
    expect(exitCode).toBe(1)
  })
})
