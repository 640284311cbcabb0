/**
 * What a trust policy sees of the token. A JWT's payload is readable by
 * anyone who holds it and is not the secret part; only these claims are ever
 * printed, never the token.
 */
export const SHOWN_CLAIMS = ['sub', 'aud', 'repository', 'ref', 'environment', 'job_workflow_ref'] as const

export type Claims = Record<string, unknown>

/** The payload of a JWT, or undefined when the token is not one. */
export function decodeClaims(token: string): Claims | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Claims) : undefined
  } catch {
    return undefined
  }
}

export function claimText(value: unknown): string {
  if (value === undefined) return '(absent)'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * The prefix IAM gives the provider's condition keys: the issuer URL without
 * its scheme, e.g. token.actions.githubusercontent.com.
 */
export function conditionKeyPrefix(claims: Claims): string {
  const issuer = typeof claims.iss === 'string' ? claims.iss : 'https://token.actions.githubusercontent.com'
  return issuer.replace(/^https?:\/\//, '').replace(/\/$/, '')
}

/** A trust-policy Condition block that matches exactly this token's audience and subject. */
export function matchingCondition(claims: Claims): Record<string, Record<string, string>> {
  const prefix = conditionKeyPrefix(claims)
  const aud = Array.isArray(claims.aud) ? String(claims.aud[0]) : claimText(claims.aud)
  return { StringEquals: { [`${prefix}:aud`]: aud, [`${prefix}:sub`]: claimText(claims.sub) } }
}

/** Lines for the log: the claims a trust policy tests, then a condition that would accept them. */
export function explainClaims(claims: Claims): string[] {
  const width = Math.max(...SHOWN_CLAIMS.map((name) => name.length))
  return [
    "The token's claims (the token itself is never printed):",
    ...SHOWN_CLAIMS.map((name) => `  ${name.padEnd(width)}  ${claimText(claims[name])}`),
    "A trust-policy condition that matches them (put it in the role's AssumeRoleWithWebIdentity statement):",
    ...JSON.stringify({ Condition: matchingCondition(claims) }, null, 2)
      .split('\n')
      .map((line) => `  ${line}`),
  ]
}
