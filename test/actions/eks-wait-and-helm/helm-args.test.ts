import { describe, expect, it } from 'vitest'
import {
  helmDuration,
  historyArgs,
  listArgs,
  registryLoginArgs,
  repoAddArgs,
  rollbackArgs,
  templateArgs,
  uninstallArgs,
  upgradeArgs,
} from '../../../actions/eks-wait-and-helm/src/helm/args'
import { type HistoryEntry, parseHistory, planDeploy } from '../../../actions/eks-wait-and-helm/src/helm/plan'
import { parseHelmVersion } from '../../../actions/eks-wait-and-helm/src/helm/version'
import type { Release } from '../../../actions/eks-wait-and-helm/src/releases'

const release: Release = {
  name: 'airflow',
  chart: 'airflow',
  version: '1.18.0',
  namespace: 'airflow',
  valuesFiles: [],
  timeoutMs: 15 * 60_000,
  wait: true,
  atomic: true,
}
const head = ['upgrade', '--install', 'airflow', 'repo1/airflow', '--namespace', 'airflow', '--create-namespace', '--timeout', '900s']

describe('helm command lines', () => {
  it.each([
    [
      'Helm 3, wait and atomic',
      3,
      {},
      [...head, '--version', '1.18.0', '--values', 'a.yaml', '--values', 'inline.yaml', '--wait', '--atomic'],
    ],
    [
      'Helm 4, wait and atomic',
      4,
      {},
      [...head, '--version', '1.18.0', '--values', 'a.yaml', '--values', 'inline.yaml', '--wait=watcher', '--rollback-on-failure'],
    ],
    [
      'Helm 3, atomic without wait still waits',
      3,
      { wait: false },
      [...head, '--version', '1.18.0', '--values', 'a.yaml', '--values', 'inline.yaml', '--wait', '--atomic'],
    ],
    [
      'Helm 3, neither',
      3,
      { wait: false, atomic: false },
      [...head, '--version', '1.18.0', '--values', 'a.yaml', '--values', 'inline.yaml'],
    ],
    [
      'Helm 4, wait only',
      4,
      { atomic: false },
      [...head, '--version', '1.18.0', '--values', 'a.yaml', '--values', 'inline.yaml', '--wait=watcher'],
    ],
    [
      'Helm 5 is treated as 4',
      5,
      { atomic: false, wait: false, version: undefined },
      [...head, '--values', 'a.yaml', '--values', 'inline.yaml'],
    ],
  ])('upgrade: %s', (_name, major, overrides, expected) => {
    const args = upgradeArgs({ ...release, ...overrides } as Release, 'repo1/airflow', ['a.yaml', 'inline.yaml'], major)
    expect(args).toEqual(expected)
    // Values only ever travel as files.
    expect(args.some((arg) => arg.startsWith('--set'))).toBe(false)
  })

  it('never uses the flag the other major renamed', () => {
    expect(upgradeArgs(release, 'c', [], 3)).not.toContain('--rollback-on-failure')
    expect(upgradeArgs(release, 'c', [], 4)).not.toContain('--atomic')
    expect(upgradeArgs(release, 'c', [], 4)).not.toContain('--wait')
  })

  it.each([
    [
      'rollback, Helm 3',
      rollbackArgs(release, 2, 3),
      ['rollback', 'airflow', '2', '--namespace', 'airflow', '--timeout', '900s', '--wait'],
    ],
    [
      'rollback, Helm 4',
      rollbackArgs(release, 2, 4),
      ['rollback', 'airflow', '2', '--namespace', 'airflow', '--timeout', '900s', '--wait=watcher'],
    ],
    [
      'rollback without wait',
      rollbackArgs({ ...release, wait: false }, 7, 3),
      ['rollback', 'airflow', '7', '--namespace', 'airflow', '--timeout', '900s'],
    ],
    ['uninstall, Helm 3', uninstallArgs(release, 3), ['uninstall', 'airflow', '--namespace', 'airflow', '--timeout', '900s', '--wait']],
    [
      'uninstall, Helm 4',
      uninstallArgs(release, 4),
      ['uninstall', 'airflow', '--namespace', 'airflow', '--timeout', '900s', '--wait=watcher'],
    ],
    [
      'uninstall without wait',
      uninstallArgs({ ...release, wait: false }, 4),
      ['uninstall', 'airflow', '--namespace', 'airflow', '--timeout', '900s'],
    ],
    ['history', historyArgs(release), ['history', 'airflow', '--namespace', 'airflow', '--max', '20', '--output', 'json']],
    [
      'list, Helm 3 (every status only with --all)',
      listArgs('airflow', ['airflow', 'web.v2'], 3),
      ['list', '--namespace', 'airflow', '--all', '--filter', '^(airflow|web\\.v2)$', '--output', 'json'],
    ],
    [
      'list, Helm 4 (every status by default; no --all)',
      listArgs('airflow', ['airflow'], 4),
      ['list', '--namespace', 'airflow', '--filter', '^(airflow)$', '--output', 'json'],
    ],
    [
      'template',
      templateArgs(release, './c', ['v.yaml']),
      ['template', 'airflow', './c', '--namespace', 'airflow', '--version', '1.18.0', '--values', 'v.yaml'],
    ],
    [
      'repo add',
      repoAddArgs('repo1', 'https://charts.example.com'),
      ['repo', 'add', 'repo1', 'https://charts.example.com', '--force-update'],
    ],
    [
      'repo add with a login',
      repoAddArgs('repo1', 'https://charts.example.com', 'bot'),
      ['repo', 'add', 'repo1', 'https://charts.example.com', '--force-update', '--username', 'bot', '--password-stdin'],
    ],
    ['registry login', registryLoginArgs('ghcr.io', 'bot'), ['registry', 'login', 'ghcr.io', '--username', 'bot', '--password-stdin']],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected)
  })

  it.each([
    [1, '1s'],
    [90_000, '90s'],
    [90_500, '91s'],
  ])('helmDuration(%d) = %s', (ms, text) => {
    expect(helmDuration(ms)).toBe(text)
  })
})

const entry = (revision: number, status: string): HistoryEntry => ({ revision, status })

describe('planDeploy', () => {
  it.each<[string, HistoryEntry[] | undefined, ReturnType<typeof planDeploy>]>([
    ['no release: install', undefined, { kind: 'install' }],
    ['empty history: install', [], { kind: 'install' }],
    ['deployed: upgrade', [entry(1, 'superseded'), entry(2, 'deployed')], { kind: 'upgrade', current: entry(2, 'deployed') }],
    ['failed: upgrade (helm can)', [entry(1, 'deployed'), entry(2, 'failed')], { kind: 'upgrade', current: entry(2, 'failed') }],
    [
      'pending-upgrade: roll back to the last good revision first',
      [entry(3, 'pending-upgrade'), entry(1, 'superseded'), entry(2, 'deployed')],
      { kind: 'rollback-then-upgrade', stuck: entry(3, 'pending-upgrade'), target: entry(2, 'deployed') },
    ],
    [
      'pending-rollback past failed revisions goes back to the last good one',
      [entry(1, 'superseded'), entry(2, 'failed'), entry(3, 'pending-rollback')],
      { kind: 'rollback-then-upgrade', stuck: entry(3, 'pending-rollback'), target: entry(1, 'superseded') },
    ],
    [
      'pending-install: nothing good to return to, uninstall',
      [entry(1, 'pending-install')],
      { kind: 'uninstall-then-install', stuck: entry(1, 'pending-install') },
    ],
    [
      'pending-upgrade with only failed revisions before it',
      [entry(1, 'failed'), entry(2, 'pending-upgrade')],
      { kind: 'uninstall-then-install', stuck: entry(2, 'pending-upgrade') },
    ],
    [
      'uninstalling: finish the uninstall',
      [entry(1, 'superseded'), entry(2, 'uninstalling')],
      { kind: 'uninstall-then-install', stuck: entry(2, 'uninstalling') },
    ],
  ])('%s', (_name, history, plan) => {
    expect(planDeploy(history)).toEqual(plan)
  })

  it('parses helm history JSON', () => {
    expect(
      parseHistory(
        '[{"revision":1,"updated":"2026-01-01T00:00:00Z","status":"superseded","chart":"demo-0.1.0","app_version":"1.0.0","description":"Install complete"},{"revision":2,"status":"deployed"}]',
      ),
    ).toEqual([
      {
        revision: 1,
        updated: '2026-01-01T00:00:00Z',
        status: 'superseded',
        chart: 'demo-0.1.0',
        app_version: '1.0.0',
        description: 'Install complete',
      },
      { revision: 2, status: 'deployed' },
    ])
    expect(() => parseHistory('{}')).toThrow(/JSON list/)
  })
})

describe('parseHelmVersion', () => {
  it.each([
    ['v3.19.0', 'v3.19.0', 3],
    ['v3.19', 'v3.19', 3],
    ['v4.0.1+g12345', 'v4.0.1+g12345', 4],
    ['3.18.2\n', 'v3.18.2', 3],
  ])('%j', (text, version, major) => {
    expect(parseHelmVersion(text)).toEqual({ version, major })
  })

  it('refuses text without a version', () => {
    expect(() => parseHelmVersion('command not found')).toThrow(/Could not read the Helm version/)
  })
})
