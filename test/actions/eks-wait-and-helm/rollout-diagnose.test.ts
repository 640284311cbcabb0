import { describe, expect, it } from 'vitest'
import type { KubeObject } from '../../../actions/eks-wait-and-helm/src/manifests/objects'
import { jobProblem, type Pod, podProblem } from '../../../actions/eks-wait-and-helm/src/rollout/diagnose'
import { ownsPod, workloadsIn } from '../../../actions/eks-wait-and-helm/src/rollout/workloads'

const pod = (status: Pod['status']): Pod => ({ metadata: { name: 'web-1' }, status })

describe('podProblem', () => {
  it.each([
    {
      name: 'CrashLoopBackOff, with the last exit',
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app' } },
            lastState: { terminated: { exitCode: 2, reason: 'Error' } },
          },
        ],
      },
      expected: 'container app: CrashLoopBackOff: back-off 40s restarting failed container=app (last exit code 2, Error)',
    },
    {
      name: 'an init container that cannot pull',
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } }],
      },
      expected: 'container init: ErrImagePull: not found',
    },
    {
      name: 'unschedulable',
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available.' }],
      },
      expected: 'Pending, Unschedulable: 0/3 nodes are available',
    },
    {
      name: 'a container that exited with an error',
      status: { phase: 'Failed', containerStatuses: [{ name: 'job', state: { terminated: { exitCode: 1, reason: 'Error' } } }] },
      expected: 'container job: Error (exit code 1)',
    },
    {
      name: 'running but not ready',
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] },
      expected: 'Running but not ready (ContainersNotReady)',
    },
    {
      name: 'a container still being created is no problem yet',
      status: { phase: 'Pending', containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }] },
    },
    { name: 'a ready pod', status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
  ])('$name', ({ status, expected }) => {
    expect(podProblem(pod(status as Pod['status']))).toBe(expected)
  })

  it('a failed Job names its reason', () => {
    expect(
      jobProblem({
        metadata: { name: 'm' },
        status: {
          conditions: [
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
          ],
        },
      }),
    ).toBe('failed, BackoffLimitExceeded: Job has reached the specified backoff limit')
    expect(jobProblem({ metadata: { name: 'm' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toBeUndefined()
  })
})

describe('workloadsIn', () => {
  it('finds every workload kind, hooks marked, and matches their pods by selector or job-name', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', annotations: { 'helm.sh/hook': 'pre-upgrade' } }, spec: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    ] as KubeObject[]
    const workloads = workloadsIn(objects)
    expect(workloads.map((workload) => [workload.kind, workload.name, workload.hook])).toEqual([
      ['Deployment', 'web', false],
      ['StatefulSet', 'db', false],
      ['DaemonSet', 'agent', false],
      ['Job', 'migrate', true],
    ])
    const [web, , , migrate] = workloads
    if (!web || !migrate) throw new Error('workloads missing')
    expect(ownsPod(web, { app: 'web', 'pod-template-hash': 'x' })).toBe(true)
    expect(ownsPod(web, { app: 'db' })).toBe(false)
    expect(ownsPod(migrate, { 'batch.kubernetes.io/job-name': 'migrate' })).toBe(true)
  })
})
