// Writes each action's inputs and outputs tables into its README from
// action.yml, between <!-- inputs:start --> / <!-- inputs:end --> and
// <!-- outputs:start --> / <!-- outputs:end -->. With --check it changes
// nothing and fails when a README has drifted from its action.yml.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { actionNames } from './bundle.mjs'

const root = new URL('..', import.meta.url).pathname
const check = process.argv.includes('--check')

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\r?\n+/g, ' ')

function inputsTable(inputs = {}) {
  const rows = Object.entries(inputs).map(([name, spec]) => {
    const fallback = spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``
    return `| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${fallback} | ${cell(spec.description)} |`
  })
  return ['| input | required | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

function outputsTable(outputs = {}) {
  const rows = Object.entries(outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
  return ['| output | description |', '| --- | --- |', ...rows].join('\n')
}

function replaceBlock(readme, name, table, file) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < from) throw new Error(`${file} lacks the ${start} … ${end} markers`)
  return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`
}

const drifted = []
try {
  for (const action of actionNames()) {
    const dir = join(root, 'actions', action)
    const metadata = parse(readFileSync(join(dir, 'action.yml'), 'utf8'))
    const readmePath = join(dir, 'README.md')
    const readme = readFileSync(readmePath, 'utf8')
    let updated = replaceBlock(readme, 'inputs', inputsTable(metadata.inputs), readmePath)
    updated = replaceBlock(updated, 'outputs', outputsTable(metadata.outputs), readmePath)
    if (updated === readme) continue
    if (check) drifted.push(`actions/${action}/README.md`)
    else writeFileSync(readmePath, updated)
  }
} catch (error) {
  console.error(`action-docs: ${error.message}`)
  process.exit(1)
}
if (drifted.length > 0) {
  console.error(`action-docs: these READMEs differ from their action.yml: ${drifted.join(', ')}. Run 'npm run docs'.`)
  process.exit(1)
}
console.log(check ? 'action-docs: every README matches its action.yml' : 'action-docs: READMEs updated')
