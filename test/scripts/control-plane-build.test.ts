import { describe, expect, it } from 'vitest'
import { buildModuleGoMod } from '../../scripts/control-plane-build.mjs'

const kubernetesGoMod = `module k8s.io/kubernetes

go 1.26.0

require (
	k8s.io/api v0.0.0
	go.etcd.io/etcd/server/v3 v3.6.8 // indirect
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/cri-client => ./staging/src/k8s.io/cri-client
	github.com/example/fork => github.com/example/fork v1.2.3
)
`

describe('the throwaway module that builds the control plane', () => {
  it('requires Kubernetes and etcd, and points each staging module at its release', () => {
    const goMod = buildModuleGoMod(kubernetesGoMod, 'v1.36.3', 'v3.6.8')
    expect(goMod).toContain('go 1.26.0')
    expect(goMod).toContain('\tk8s.io/kubernetes v1.36.3\n\tgo.etcd.io/etcd/server/v3 v3.6.8\n')
    expect(goMod).toContain('replace (\n\tk8s.io/api => k8s.io/api v0.36.3\n\tk8s.io/cri-client => k8s.io/cri-client v0.36.3\n)')
    expect(goMod).not.toContain('example/fork')
  })

  it('refuses a go.mod without staging replaces', () => {
    expect(() => buildModuleGoMod('module x\n\ngo 1.26.0\n', 'v1.36.3', 'v3.6.8')).toThrow(/no staging replaces/)
  })
})
