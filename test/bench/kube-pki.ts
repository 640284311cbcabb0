import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * The certificates of a throwaway cluster, made with the openssl CLI: one CA,
 * serving certificates for the API server and the token webhook, client
 * certificates whose subject is the Kubernetes identity (CN = user,
 * O = groups), and the service-account signing key. EC P-256 throughout:
 * generated in milliseconds, accepted by every component.
 */

const run = promisify(execFile)

export interface KeyPair {
  cert: string
  key: string
}

export interface ClientIdentity {
  user: string
  groups?: string[]
}

export interface ClusterPki {
  ca: KeyPair
  apiserver: KeyPair
  webhook: KeyPair
  serviceAccount: { privateKey: string; publicKey: string }
  clients: Record<string, KeyPair>
}

// Every name the API server is reached by: loopback for the bench, the in-cluster
// service names and the first address of the service range for pods.
export function apiserverSubjectAltNames(serviceIp: string): string[] {
  return [
    'IP:127.0.0.1',
    `IP:${serviceIp}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ]
}

const openssl = (args: string[]) => run('openssl', args)

async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path])
}

/** A subject in openssl's -subj syntax; each group becomes one O= attribute. */
export function subjectOf(identity: ClientIdentity): string {
  const quote = (value: string) => value.replace(/[/\\+,=]/g, (character) => `\\${character}`)
  return `/CN=${quote(identity.user)}${(identity.groups ?? []).map((group) => `/O=${quote(group)}`).join('')}`
}

async function issue(dir: string, name: string, ca: KeyPair, subject: string, extensions: string[]): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
  const csr = join(dir, `${name}.csr`)
  const extfile = join(dir, `${name}.ext`)
  await newKey(pair.key)
  await writeFile(extfile, `${extensions.join('\n')}\n`)
  await openssl(['req', '-new', '-key', pair.key, '-subj', subject, '-out', csr])
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-days',
    '2',
    '-sha256',
    '-extfile',
    extfile,
    '-out',
    pair.cert,
  ])
  return pair
}

const leaf = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment']

export async function makeClusterPki(
  dir: string,
  options: { serviceIp: string; clients: Record<string, ClientIdentity> },
): Promise<ClusterPki> {
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') }
  await newKey(ca.key)
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    ca.key,
    '-subj',
    '/CN=pipeline-actions-bench-ca',
    '-days',
    '2',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-out',
    ca.cert,
  ])
  const serviceAccount = { privateKey: join(dir, 'service-account.key'), publicKey: join(dir, 'service-account.pub') }
  const [apiserver, webhook, clientPairs] = await Promise.all([
    issue(dir, 'apiserver', ca, '/CN=kube-apiserver', [
      ...leaf,
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${apiserverSubjectAltNames(options.serviceIp).join(',')}`,
    ]),
    issue(dir, 'token-webhook', ca, '/CN=eks-token-webhook', [...leaf, 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1']),
    Promise.all(
      Object.entries(options.clients).map(
        async ([name, identity]) =>
          [name, await issue(dir, name, ca, subjectOf(identity), [...leaf, 'extendedKeyUsage=clientAuth'])] as const,
      ),
    ),
    newKey(serviceAccount.privateKey).then(() =>
      openssl(['pkey', '-in', serviceAccount.privateKey, '-pubout', '-out', serviceAccount.publicKey]),
    ),
  ])
  return { ca, apiserver, webhook, serviceAccount, clients: Object.fromEntries(clientPairs) }
}
