import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TlsFixture {
  caPem: string
  certPem: string
  keyPem: string
}

/**
 * A throwaway CA and a server certificate it signed, made with the openssl CLI: for 127.0.0.1 and
 * localhost unless other subject alternative names (`DNS:airflow.apache.org`, `IP:…`) are given.
 */
export function makeTlsFixture(names: string[] = ['IP:127.0.0.1', 'DNS:localhost']): TlsFixture {
  const dir = mkdtempSync(join(tmpdir(), 'tls-fixture-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=bench cluster CA')
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=kube-apiserver')
  writeFileSync(file('ext.cnf'), `subjectAltName=${names.join(',')}\n`)
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('ext.cnf'),
  )
  const fixture = {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    certPem: readFileSync(file('server.pem'), 'utf8'),
    keyPem: readFileSync(file('server.key'), 'utf8'),
  }
  rmSync(dir, { recursive: true, force: true })
  return fixture
}
