// The setup's building blocks, shared by scripts/setup.mjs and scripts/build-tool.mjs:
// run a command or stop with one line, install a piece only when it is missing, and
// swap a finished folder into the tool cache.
import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync } from 'node:fs'

export function fail(message) {
  console.error(`setup: ${message}`)
  process.exit(1)
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    stdio: options.capture ? 'pipe' : ['ignore', 'inherit', 'inherit'],
    encoding: 'utf8',
    ...options,
  })
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`)
  if (result.status !== 0 && !options.allowFailure)
    fail(
      `'${command} ${args.join(' ')}' ${result.status === null ? `was stopped by ${result.signal}` : `exited with ${result.status}`}${options.capture ? `: ${(result.stderr || '').trim().split('\n').slice(-3).join(' / ')}` : ''}`,
    )
  return result
}

export function step(name, isDone, install) {
  if (isDone()) {
    console.log(`setup: ${name}: ready`)
    return
  }
  const started = Date.now()
  console.log(`setup: ${name}: installing`)
  install()
  if (!isDone()) fail(`${name}: installation finished but the result is still missing`)
  console.log(`setup: ${name}: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

// A signal ends the process through process.exit, so the 'exit' handlers below (and the setup's) run.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

// Swap a finished folder into place so an interrupted install never leaves a half-filled cache entry,
// and remove the half-filled folder when the install fails or is interrupted.
export function installInto(finalDir, fill) {
  const staging = `${finalDir}.partial-${process.pid}`
  const removeStaging = () => rmSync(staging, { recursive: true, force: true })
  removeStaging()
  mkdirSync(staging, { recursive: true })
  process.on('exit', removeStaging)
  fill(staging)
  rmSync(finalDir, { recursive: true, force: true })
  renameSync(staging, finalDir)
  process.off('exit', removeStaging)
}
