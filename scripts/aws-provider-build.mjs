// The Terraform AWS provider, built from its source with only the AWS services this
// repository's Terraform uses. The provider registers its ~265 service packages in one
// generated file, and its client factory imports every AWS SDK client in another; those
// SDK clients are over 80% of the source a full build compiles (about 413 MB of Go for the
// full provider against 93 MB for the services below), which made it the one tool a
// new machine waited most of an hour for. The resources kept are the provider's own code
// at the pinned commit, unchanged: only the two generated lists are shortened. A resource
// of a service left out fails `terraform validate` with "The provider hashicorp/aws does
// not support resource type", so a missing service is never silently skipped.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { downloadModule, goEnv, lowPriorityGoBuild } from './go-build.mjs'

const SERVICE_IMPORT = /^\s*"github\.com\/hashicorp\/terraform-provider-aws\/internal\/service\/([a-z0-9]+)"\s*$/
const SERVICE_ENTRY = /^\s*([a-z0-9]+)\.ServicePackage\(ctx\),\s*$/
const CLIENT_ACCESSOR = /func \(c \*AWSClient\) (\w+Client)\(ctx context\.Context\) \*(\w+)\.Client \{\n[\s\S]*?\n\}\n\n?/g
const SDK_IMPORT = /^\s*(?:(\w+)\s+)?"github\.com\/aws\/aws-sdk-go-v2\/service\/([a-z0-9]+)"\s*$/

/**
 * The provider's generated service registry (internal/provider/sdkv2/service_packages_gen.go)
 * with only `services` imported and registered. Throws when the file no longer has the
 * expected shape or lacks a requested service, so a new provider version cannot quietly
 * build a provider with fewer services than asked for.
 */
export function keepServicePackages(source, services) {
  const wanted = new Set(services)
  const found = new Set()
  const kept = source.split('\n').filter((line) => {
    const name = line.match(SERVICE_IMPORT)?.[1] ?? line.match(SERVICE_ENTRY)?.[1]
    if (name === undefined) return true
    if (wanted.has(name)) found.add(name)
    return wanted.has(name)
  })
  const missing = services.filter((name) => !found.has(name))
  if (missing.length > 0) throw new Error(`the AWS provider's service registry has no service package named ${missing.join(', ')}`)
  return kept.join('\n')
}

/** The client accessor names (e.g. EC2Client) called in `goSource`. */
export function clientAccessorsCalled(goSource) {
  // Calls only (`meta.EC2Client(ctx)`, `r.Meta().EC2Client(ctx)`): the accessors' own definitions do not count.
  return new Set([...goSource.matchAll(/\.([A-Z]\w*Client)\(ctx\b/g)].map((match) => match[1]))
}

/**
 * The service package each client accessor belongs to (EC2Client → ec2, S3ControlClient →
 * s3control), from the factory's `names.X` arguments and the names package's constants: a
 * client exists only when its service package is registered.
 */
export function accessorServices(factorySource, namesSource) {
  const ids = new Map([...namesSource.matchAll(/^\s*(\w+)\s*=\s*"([a-z0-9]+)"\s*$/gm)].map((match) => [match[1], match[2]]))
  const services = new Map()
  for (const match of factorySource.matchAll(
    /func \(c \*AWSClient\) (\w+Client)\(ctx context\.Context\)[^{]*\{\n[^\n]*\bnames\.(\w+)\b/g,
  )) {
    const id = ids.get(match[2])
    if (id !== undefined) services.set(match[1], id)
  }
  return services
}

/**
 * The provider's generated client factory (internal/conns/awsclient_gen.go) with only the
 * accessors in `used`, and only the SDK imports those accessors return.
 */
export function keepClientAccessors(source, used) {
  const packages = new Set()
  let accessors = 0
  const trimmed = source.replace(CLIENT_ACCESSOR, (whole, name, sdkPackage) => {
    accessors += 1
    if (!used.has(name)) return ''
    packages.add(sdkPackage)
    return whole
  })
  if (accessors === 0) throw new Error("the AWS provider's client factory has no client accessors in the expected shape")
  return trimmed
    .split('\n')
    .filter((line) => {
      const match = line.match(SDK_IMPORT)
      return match === null || packages.has(match[1] ?? match[2])
    })
    .join('\n')
}

/** The packages of the provider itself that `go list -deps` reaches from its main package: import path and folder. */
function providerPackages(run, cwd, module) {
  const listed = run('go', ['list', '-mod=mod', '-deps', '-f', '{{.ImportPath}}\t{{.Dir}}', '.'], { cwd, capture: true, env: goEnv() })
  return listed.stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([importPath]) => importPath === module || importPath?.startsWith(`${module}/`))
}

/** Their non-test Go source, as one text. */
function goSourceOf(packages) {
  return packages
    .flatMap(([, dir]) =>
      readdirSync(dir)
        .filter((file) => file.endsWith('.go') && !file.endsWith('_test.go'))
        .map((file) => readFileSync(join(dir, file), 'utf8')),
    )
    .join('\n')
}

function rewrite(path, transform) {
  writeFileSync(path, transform(readFileSync(path, 'utf8')))
}

/** Builds the provider at `version` with only `services` registered into `dir`/`binary` (through `installInto`). */
export function buildProviderWithServices({ run, installInto, module, version, services, dir, binary, linkerFlags = [] }) {
  const downloaded = downloadModule(run, module, version)
  const work = mkdtempSync(join(tmpdir(), 'aws-provider-'))
  try {
    const source = join(work, 'src')
    cpSync(downloaded.Dir, source, { recursive: true })
    // The module cache's files and folders are read-only; the copy is edited and then deleted.
    run('chmod', ['-R', 'u+w', source])
    // A kept service's code may use another's (s3's tags go through the s3control client; ec2 imports
    // organizations). Those packages are compiled anyway, and a client exists only when its service
    // package is registered, so the registry grows to every service package the kept code imports or
    // whose client it calls, until nothing new is reached.
    const registry = join(source, 'internal/provider/sdkv2/service_packages_gen.go')
    const factory = join(source, 'internal/conns/awsclient_gen.go')
    const fullRegistry = readFileSync(registry, 'utf8')
    const ownerOf = accessorServices(readFileSync(factory, 'utf8'), readFileSync(join(source, 'names/consts_gen.go'), 'utf8'))
    let registered = [...services]
    let used
    for (;;) {
      writeFileSync(registry, keepServicePackages(fullRegistry, registered))
      // go list does not type-check, so the factory can stay whole until the set is known.
      const packages = providerPackages(run, source, module)
      used = clientAccessorsCalled(goSourceOf(packages))
      const imported = packages.map(([importPath]) => importPath.match(/\/internal\/service\/([a-z0-9]+)$/)?.[1])
      const called = [...used].map((accessor) => ownerOf.get(accessor))
      const more = [...new Set([...imported, ...called])].filter((name) => name !== undefined && !registered.includes(name))
      if (more.length === 0) break
      registered = [...registered, ...more].sort()
    }
    rewrite(factory, (text) => keepClientAccessors(text, used))
    console.log(`setup: the AWS provider's services: ${registered.join(', ')}`)
    installInto(dir, (staging) => lowPriorityGoBuild(run, { cwd: source, packages: ['.'], output: join(staging, binary), linkerFlags }))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
