import type { Release } from '../releases'

/** Helm takes Go durations; whole seconds are exact for any input. */
export function helmDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`
}

/**
 * Helm 3 waits with a bool --wait; Helm 4 takes a strategy, and "watcher"
 * (kstatus) is the one that waits for every resource to be ready.
 */
export function waitFlags(major: number): string[] {
  return major >= 4 ? ['--wait=watcher'] : ['--wait']
}

/** Helm 4 renamed --atomic to --rollback-on-failure and deprecated the old name. */
export function rollbackOnFailureFlag(major: number): string {
  return major >= 4 ? '--rollback-on-failure' : '--atomic'
}

function chartSourceArgs(release: Release): string[] {
  return release.version ? ['--version', release.version] : []
}

function valuesArgs(valuesFiles: readonly string[]): string[] {
  return valuesFiles.flatMap((file) => ['--values', file])
}

/**
 * `helm upgrade --install`, so the first run installs and later runs upgrade.
 * Values arrive only as files: later files win, the inline `values` file last.
 */
export function upgradeArgs(release: Release, chartRef: string, valuesFiles: readonly string[], major: number): string[] {
  const waiting = release.wait || release.atomic
  return [
    'upgrade',
    '--install',
    release.name,
    chartRef,
    '--namespace',
    release.namespace,
    '--create-namespace',
    '--timeout',
    helmDuration(release.timeoutMs),
    ...chartSourceArgs(release),
    ...valuesArgs(valuesFiles),
    ...(waiting ? waitFlags(major) : []),
    ...(release.atomic ? [rollbackOnFailureFlag(major)] : []),
  ]
}

export function templateArgs(release: Release, chartRef: string, valuesFiles: readonly string[]): string[] {
  return ['template', release.name, chartRef, '--namespace', release.namespace, ...chartSourceArgs(release), ...valuesArgs(valuesFiles)]
}

export function historyArgs(release: Pick<Release, 'name' | 'namespace'>, max = 20): string[] {
  return ['history', release.name, '--namespace', release.namespace, '--max', String(max), '--output', 'json']
}

/**
 * The latest revision of the named releases of one namespace, whatever their
 * status: a pending one too (Helm 3 lists only deployed and failed ones
 * without `--all`; Helm 4 lists every status and has no `--all`). The
 * anchored filter keeps the list to them, well under helm's default cap of
 * 256; release names are DNS labels, so a dot is the only character to escape.
 */
export function listArgs(namespace: string, names: readonly string[], major: number): string[] {
  const filter = `^(${names.map((name) => name.replaceAll('.', '\\.')).join('|')})$`
  return ['list', '--namespace', namespace, ...(major < 4 ? ['--all'] : []), '--filter', filter, '--output', 'json']
}

export function rollbackArgs(release: Release, revision: number, major: number): string[] {
  return [
    'rollback',
    release.name,
    String(revision),
    '--namespace',
    release.namespace,
    '--timeout',
    helmDuration(release.timeoutMs),
    ...(release.wait ? waitFlags(major) : []),
  ]
}

export function uninstallArgs(release: Release, major: number): string[] {
  return [
    'uninstall',
    release.name,
    '--namespace',
    release.namespace,
    '--timeout',
    helmDuration(release.timeoutMs),
    ...(release.wait ? waitFlags(major) : []),
  ]
}

/** The password goes to stdin, never argv, where other processes and logs could see it. */
export function repoAddArgs(alias: string, url: string, username?: string): string[] {
  return ['repo', 'add', alias, url, '--force-update', ...(username !== undefined ? ['--username', username, '--password-stdin'] : [])]
}

export function registryLoginArgs(host: string, username: string): string[] {
  return ['registry', 'login', host, '--username', username, '--password-stdin']
}

/**
 * What `helm upgrade --install` would make of the release, without changing
 * it: `--dry-run=server` lets the chart's lookups read the cluster, and the
 * JSON holds the manifest and hooks it would apply (Secrets included, so it
 * is never logged). No --wait, no namespace creation: nothing is written.
 */
export function dryRunArgs(release: Release, chartRef: string, valuesFiles: readonly string[]): string[] {
  return [
    'upgrade',
    '--install',
    release.name,
    chartRef,
    '--namespace',
    release.namespace,
    '--dry-run=server',
    '--output',
    'json',
    ...chartSourceArgs(release),
    ...valuesArgs(valuesFiles),
  ]
}

/** The manifest (or the hooks) of the release's current revision. */
export function getArgs(release: Pick<Release, 'name' | 'namespace'>, what: 'manifest' | 'hooks'): string[] {
  return ['get', what, release.name, '--namespace', release.namespace]
}
