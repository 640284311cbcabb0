import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'
import { defuse } from './escape'

/**
 * The part of the runner's protocol the actions use: inputs, outputs,
 * exported variables, masks, log lines and annotations, and saved state (the
 * job summary is lib/summary.ts, the OIDC token lib/id-token.ts). @actions/core
 * does the same, but importing it loads an HTTP client stack that cost ~150 ms
 * of every step's start on these machines (bench/RESULTS.md, "floor"), for the
 * one call that needs HTTP. The formats follow the runner's documented
 * workflow commands and file commands.
 */

export interface AnnotationProperties {
  title?: string
  file?: string
  startLine?: number
  endLine?: number
  startColumn?: number
  endColumn?: number
}

/** An input as the runner passes it (INPUT_<NAME>, spaces as underscores), trimmed; '' when unset. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

export function setOutput(name: string, value: unknown): void {
  writeFileCommand('GITHUB_OUTPUT', 'set-output', name, value)
}

/** Sets the variable for this process and, through GITHUB_ENV, for the job's later steps. */
export function exportVariable(name: string, value: unknown): void {
  process.env[name] = commandValue(value)
  writeFileCommand('GITHUB_ENV', 'set-env', name, value)
}

/** Saved for this action's post step, which reads it back with getState. */
export function saveState(name: string, value: unknown): void {
  writeFileCommand('GITHUB_STATE', 'save-state', name, value)
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? ''
}

/** From now on the runner replaces this text with *** in the log. */
export function setSecret(secret: string): void {
  issue('add-mask', {}, secret)
}

/**
 * A plain log line. Messages carry values from outside (inputs, paths, tool
 * output), so no line of one may act as a workflow command (lib/escape).
 */
export function info(message: string): void {
  process.stdout.write(defuse(message) + EOL)
}

/** Folds the following lines in the log, until endGroup. */
export function startGroup(name: string): void {
  issue('group', {}, name)
}

export function endGroup(): void {
  issue('endgroup', {}, '')
}

export function debug(message: string): void {
  issue('debug', {}, message)
}

export function notice(message: string, properties: AnnotationProperties = {}): void {
  issue('notice', annotation(properties), message)
}

export function warning(message: string, properties: AnnotationProperties = {}): void {
  issue('warning', annotation(properties), message)
}

export function error(message: string, properties: AnnotationProperties = {}): void {
  issue('error', annotation(properties), message)
}

/** Reports the error and makes the step fail when the process exits. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/** How the runner takes a value: strings as they are, nothing as '', anything else as JSON. */
function commandValue(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * `name<<delimiter` / value / `delimiter` in the runner's file, with a random
 * delimiter that neither the name nor the value may contain; without the
 * file (an old runner), the deprecated workflow command.
 */
function writeFileCommand(fileVariable: string, legacyCommand: string, name: string, value: unknown): void {
  const text = commandValue(value)
  const file = process.env[fileVariable]
  if (!file) {
    issue(legacyCommand, { name }, text)
    return
  }
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || text.includes(delimiter)) throw new Error(`the ${fileVariable} delimiter occurs in '${name}'`)
  appendFileSync(file, `${name}<<${delimiter}${EOL}${text}${EOL}${delimiter}${EOL}`, 'utf8')
}

function annotation(properties: AnnotationProperties): Record<string, string | number | undefined> {
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn,
  }
}

/** `::command key=value,…::message`, escaped so a value can neither end the command nor start another. */
function issue(command: string, properties: Record<string, string | number | undefined>, message: string): void {
  const pairs = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
  process.stdout.write(`::${command}${pairs.length > 0 ? ` ${pairs.join(',')}` : ''}::${escapeData(message)}${EOL}`)
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
