// Go builds for the setup. The main one: a Go command whose module has replace or
// exclude directives, which `go install` refuses ("The go.mod file for the module
// providing named packages contains one or more replace directives"). A throwaway
// module requires it and repeats those directives, so the build resolves exactly
// as the module's own does; OpenTofu and buildkitd are built this way. The
// Kubernetes control plane needs more (its replaces point into its own
// repository) and shares the helpers below: see control-plane-build.mjs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Go's environment for these builds: static binaries, and the Go on PATH rather than a toolchain download. */
export function goEnv(extra = {}) {
  return { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', ...extra }
}

/** Where `go mod download` put a module version, and its go.mod. */
export function downloadModule(run, module, version) {
  const result = run('go', ['mod', 'download', '-json', `${module}@${version}`], { capture: true, env: goEnv() })
  return JSON.parse(result.stdout)
}

/**
 * `go build` of `packages` into `output` (a file, or a folder for several), at
 * the lowest CPU priority: compiling is slow and the machines are shared.
 */
export function lowPriorityGoBuild(run, { cwd, packages, output, linkerFlags = [] }) {
  const ldflags = ['-s', '-w', ...linkerFlags].join(' ')
  run('nice', ['-n', '19', 'go', 'build', '-mod=mod', '-trimpath', `-ldflags=${ldflags}`, '-o', output, ...packages], {
    cwd,
    capture: true,
    env: goEnv(),
  })
}

/** The entries of a go.mod's `keyword` directives, single-line and block forms, without comments. */
function directives(goMod, keyword) {
  const single = [...goMod.matchAll(new RegExp(`^${keyword}\\s+([^(\\s].*?)\\s*$`, 'gm'))].map((match) => match[1])
  const blocks = [...goMod.matchAll(new RegExp(`^${keyword}\\s*\\(\\n([\\s\\S]*?)^\\)`, 'gm'))].flatMap((match) => match[1].split('\n'))
  return [...single, ...blocks].map((line) => line.replace(/\/\/.*$/, '').trim()).filter((line) => line !== '')
}

/**
 * The directives that make a module resolve differently as the main module:
 * its replaces that point at other modules (a local path cannot be repeated
 * elsewhere) and its excludes.
 */
export function mainModuleDirectives(goMod) {
  return {
    replaces: directives(goMod, 'replace').filter((line) => /=>\s*\S+\s+\S+$/.test(line)),
    excludes: directives(goMod, 'exclude'),
  }
}

/** The go.mod of the throwaway module. */
export function throwawayGoMod(goMod, module, version) {
  const goLine = goMod.match(/^go (\S+)$/m)
  if (!goLine) throw new Error(`${module} ${version}: its go.mod has no go line`)
  const { replaces, excludes } = mainModuleDirectives(goMod)
  const block = (keyword, lines) => (lines.length > 0 ? [`${keyword} (`, ...lines.map((line) => `\t${line}`), ')', ''] : [])
  return [
    'module bench.invalid/go-build',
    '',
    `go ${goLine[1]}`,
    '',
    `require ${module} ${version}`,
    '',
    ...block('replace', replaces),
    ...block('exclude', excludes),
  ].join('\n')
}

/**
 * Builds `${module}/${command}` (the module's root when `command` is empty) at `version` into `dir` (through `installInto`),
 * at the lowest CPU priority; `linkerFlags` are the release build's own (e.g. -X
 * flags that turn off a "-dev" version suffix).
 */
export function buildAsMainModule({ run, installInto, module, version, command, dir, binary, linkerFlags = [] }) {
  const downloaded = downloadModule(run, module, version)
  const work = mkdtempSync(join(tmpdir(), 'go-build-'))
  try {
    writeFileSync(join(work, 'go.mod'), throwawayGoMod(readFileSync(downloaded.GoMod, 'utf8'), module, version))
    installInto(dir, (staging) =>
      lowPriorityGoBuild(run, {
        cwd: work,
        packages: [command ? `${module}/${command}` : module],
        output: join(staging, binary),
        linkerFlags,
      }),
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
