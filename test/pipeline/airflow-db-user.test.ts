import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../harness/runner'

/**
 * The migration job's `database-user` init container (helm/airflow/values.yaml) against a real PostgreSQL:
 * a master user shaped like RDS's (CREATEROLE and CREATEDB, not a superuser) that owns the database and
 * the tables an earlier deploy created. The script's statements run as that user; Airflow's own user must
 * then sign in with its password (so the SCRAM verifier the script computes is what PostgreSQL checks),
 * own what Airflow migrates, and keep working after the master password rotates.
 * The script connects with psycopg2 in the Airflow image; here its statements go through psql.
 */

const PORT = 55_000 + (process.pid % 1000)
const APP_PASSWORD = "app secret with ' and $$"
const BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((dir) =>
  existsSync(join(dir, 'initdb')),
)

let dir: string
// PostgreSQL refuses to run as root.
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options })
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') }
}

function psql(user: string, password: string, sql: string[] | string, database = 'airflow') {
  const file = join(dir, `sql-${Math.random().toString(36).slice(2)}.sql`)
  writeFileSync(file, Array.isArray(sql) ? sql.map((statement) => `${statement};\n`).join('') : sql)
  return run('psql', ['-h', '127.0.0.1', '-p', String(PORT), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atq', '-f', file], {
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
  })
}

function script(): string {
  const values = parse(readFileSync(join(repoRoot, 'helm/airflow/values.yaml'), 'utf8'))
  const container = values.migrateDatabaseJob.extraInitContainers.find((c: { name: string }) => c.name === 'database-user')
  return container.args[0] as string
}

function statements(env: Record<string, string>) {
  const result = run('python3', ['-c', script(), '--print'], { env: { PATH: process.env.PATH, ...env } })
  return { ...result, sql: result.status === 0 ? (JSON.parse(result.stdout) as string[]) : [] }
}

beforeAll(() => {
  if (!BIN) throw new Error('PostgreSQL 15 or later is needed for this test (Debian: apt-get install postgresql)')
  dir = mkdtempSync(join(tmpdir(), 'airflow-db-user-'))
  if (process.getuid?.() === 0) chownSync(dir, Number(run('id', ['-u', 'postgres']).stdout.trim()), 0)
  writeFileSync(join(dir, 'pw'), 'superuser-password\n')
  const init = run(
    ...asPostgres(join(BIN, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', `--pwfile=${join(dir, 'pw')}`, '--auth=scram-sha-256']),
  )
  expect(init.status, init.stderr).toBe(0)
  const start = run(
    ...asPostgres(join(BIN, 'pg_ctl'), [
      '-D',
      join(dir, 'data'),
      '-o',
      `-p ${PORT} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]),
  )
  expect(start.status, start.stderr).toBe(0)
  // What RDS gives: a master user that is no superuser, owning the database, with tables from an earlier deploy.
  expect(
    psql('postgres', 'superuser-password', ["CREATE ROLE airflow LOGIN CREATEROLE CREATEDB PASSWORD 'master-1'"], 'postgres').status,
  ).toBe(0)
  expect(psql('postgres', 'superuser-password', 'CREATE DATABASE airflow OWNER airflow;', 'postgres').status).toBe(0)
  expect(psql('airflow', 'master-1', ['CREATE TABLE dag (dag_id text)', "INSERT INTO dag VALUES ('example')"]).status).toBe(0)
}, 120_000)

afterAll(() => {
  if (!dir) return
  if (BIN) run(...asPostgres(join(BIN, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']))
  rmSync(dir, { recursive: true, force: true })
})

describe("helm/airflow/values.yaml's database-user init container, on PostgreSQL", () => {
  const env = { APP_USER: 'airflow_app', APP_PASSWORD, MASTER_USER: 'airflow', DB_NAME: 'airflow' }

  it('makes Airflow its own user, which signs in with its password and owns the database and the earlier tables', () => {
    const { sql, status, stderr } = statements(env)
    expect(status, stderr).toBe(0)
    // The password itself is never in a statement: RDS logs DDL.
    expect(sql.join('\n')).not.toContain(APP_PASSWORD)
    const apply = psql('airflow', 'master-1', sql)
    expect(apply.status, apply.stderr).toBe(0)

    const app = psql('airflow_app', APP_PASSWORD, [
      'SELECT current_user',
      "SELECT tableowner FROM pg_tables WHERE tablename = 'dag'",
      'SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()',
      'CREATE TABLE migrated (id int)',
      'SELECT count(*) FROM dag',
    ])
    expect(app.status, app.stderr).toBe(0)
    expect(app.stdout.trim().split('\n')).toEqual(['airflow_app', 'airflow_app', 'airflow_app', '1'])
    expect(psql('airflow_app', 'not the password', ['SELECT 1']).status).not.toBe(0)
  })

  it('is idempotent, and the master password rotating leaves Airflow signed in', () => {
    const again = psql('airflow', 'master-1', statements(env).sql)
    expect(again.status, again.stderr).toBe(0)
    // What RDS's 7-day rotation does; the next deploy signs in with the new one.
    expect(psql('postgres', 'superuser-password', ["ALTER ROLE airflow PASSWORD 'master-2'"], 'postgres').status).toBe(0)
    expect(psql('airflow_app', APP_PASSWORD, ['SELECT count(*) FROM migrated']).status).toBe(0)
    expect(psql('airflow', 'master-1', ['SELECT 1']).status).not.toBe(0)
    const afterRotation = psql('airflow', 'master-2', statements(env).sql)
    expect(afterRotation.status, afterRotation.stderr).toBe(0)
    expect(psql('airflow_app', APP_PASSWORD, ['SELECT 1']).stdout.trim()).toBe('1')
  })

  it('stops with one line when the airflow-keys Secret has no db-password yet', () => {
    const result = statements({ ...env, APP_PASSWORD: '' })
    expect(result.status).toBe(1)
    expect(result.stderr.trim()).toBe("database-user: the airflow-keys Secret has no db-password; run the pipeline's deploy to create it")
  })

  it('leaves nothing the chart would template: the script has no {{', () => {
    expect(script()).not.toContain('{{')
  })
})
