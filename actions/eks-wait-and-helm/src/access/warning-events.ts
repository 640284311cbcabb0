import type { KubeReader } from './kube-reader'

/** The parts of a core/v1 Event this reads; events.k8s.io/v1 events are served in this shape too. */
interface CoreEvent {
  reason?: string
  message?: string
  involvedObject?: { kind?: string; name?: string }
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  eventTime?: string | null
  series?: { lastObservedTime?: string } | null
  metadata?: { creationTimestamp?: string }
}

const REQUEST_TIMEOUT_MS = 10_000
const MESSAGE_CHARS = 300

/**
 * The Warning events of a namespace since a moment, newest first, one line per
 * distinct reason and message. When `helm --wait` times out, Helm says only
 * "context deadline exceeded"; these are what `kubectl get events` would have
 * told the user: FailedScheduling, ImagePullBackOff, FailedCreate and the like.
 * Any failure to read them yields no lines: they explain an error, never replace it.
 */
export async function recentWarnings(reader: KubeReader, namespace: string, sinceMs: number, limit = 3): Promise<string[]> {
  let events: CoreEvent[]
  try {
    const url = `${reader.endpoint.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/events?fieldSelector=type%3DWarning`
    const response = await reader.get(url, {
      ca: reader.caPem,
      headers: { authorization: `Bearer ${await reader.token()}`, accept: 'application/json' },
      timeoutMs: REQUEST_TIMEOUT_MS,
    })
    if (response.status !== 200) return []
    events = (JSON.parse(response.body) as { items?: CoreEvent[] }).items ?? []
  } catch {
    return []
  }
  const seen = new Set<string>()
  const lines: string[] = []
  for (const { event, at } of events.map((event) => ({ event, at: lastSeen(event) })).sort((a, b) => b.at - a.at)) {
    if (at < sinceMs) break
    const message = (event.message ?? '').replace(/\s+/g, ' ').trim()
    const key = `${event.reason}\n${message}`
    if (seen.has(key)) continue
    seen.add(key)
    const object = [event.involvedObject?.kind, event.involvedObject?.name].filter(Boolean).join(' ')
    const shown = message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message
    lines.push(`${object ? `${object}: ` : ''}${event.reason ?? 'Warning'}: ${shown.replace(/\.$/, '')}`)
    if (lines.length === limit) break
  }
  return lines
}

/** When an event was last seen, whichever of its timestamps the component that wrote it filled in. */
function lastSeen(event: CoreEvent): number {
  const stamps = [
    event.series?.lastObservedTime,
    event.lastTimestamp,
    event.eventTime,
    event.firstTimestamp,
    event.metadata?.creationTimestamp,
  ]
  return Math.max(0, ...stamps.map((stamp) => (stamp ? Date.parse(stamp) : 0)).filter((time) => !Number.isNaN(time)))
}
