import { describe, expect, it } from 'vitest'
import { accessorServices, clientAccessorsCalled, keepClientAccessors, keepServicePackages } from '../../scripts/aws-provider-build.mjs'
import { AWS_PROVIDER_SERVICES, MAIN_MODULE_TOOLS } from '../../scripts/toolchain.mjs'

// The shapes of the provider's two generated files at the pinned commit, cut to three services.
const registry = `package sdkv2

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-provider-aws/internal/conns"
	"github.com/hashicorp/terraform-provider-aws/internal/service/accessanalyzer"
	"github.com/hashicorp/terraform-provider-aws/internal/service/ec2"
	"github.com/hashicorp/terraform-provider-aws/internal/service/s3"
)

func servicePackages(ctx context.Context) []conns.ServicePackage {
	v := []conns.ServicePackage{
		accessanalyzer.ServicePackage(ctx),
		ec2.ServicePackage(ctx),
		s3.ServicePackage(ctx),
	}

	return slices.Clone(v)
}
`

const factory = `package conns

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	s3_sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-provider-aws/internal/errs"
)

func (c *AWSClient) AccessAnalyzerClient(ctx context.Context) *accessanalyzer.Client {
	return errs.Must(client[*accessanalyzer.Client](ctx, c, names.AccessAnalyzer, make(map[string]any)))
}

func (c *AWSClient) EC2Client(ctx context.Context) *ec2.Client {
	return errs.Must(client[*ec2.Client](ctx, c, names.EC2, make(map[string]any)))
}

func (c *AWSClient) S3Client(ctx context.Context) *s3_sdk.Client {
	return errs.Must(client[*s3_sdk.Client](ctx, c, names.S3, make(map[string]any)))
}
`

describe('building the AWS provider with only the services the Terraform uses', () => {
  it('registers and imports only the services asked for', () => {
    const kept = keepServicePackages(registry, ['ec2', 's3'])
    expect(kept).toContain('internal/service/ec2"')
    expect(kept).toContain('s3.ServicePackage(ctx),')
    expect(kept).not.toContain('accessanalyzer')
    expect(kept).toContain('internal/conns"')
  })

  it('refuses a service the registry does not have, instead of building a provider without it', () => {
    expect(() => keepServicePackages(registry, ['ec2', 'redshfit'])).toThrow(/no service package named redshfit/)
  })

  it('finds the client accessors the kept code calls, not the accessors it defines', () => {
    const called = clientAccessorsCalled(`${factory}
	conn := meta.(*conns.AWSClient).EC2Client(ctx)
	other := r.Meta().S3Client(ctx)`)
    expect([...called].sort()).toEqual(['EC2Client', 'S3Client'])
  })

  it('keeps the called accessors and the SDK imports they return, aliased or not', () => {
    const kept = keepClientAccessors(factory, new Set(['EC2Client', 'S3Client']))
    expect(kept).toContain('func (c *AWSClient) EC2Client(')
    expect(kept).toContain('s3_sdk "github.com/aws/aws-sdk-go-v2/service/s3"')
    expect(kept).not.toContain('AccessAnalyzer')
    expect(kept).not.toContain('service/accessanalyzer')
    expect(kept).toContain('internal/errs"')
  })

  it('refuses a factory whose accessors no longer have the expected shape', () => {
    expect(() => keepClientAccessors('package conns\n', new Set())).toThrow(/no client accessors/)
  })

  it('is configured to build the provider with a sorted, duplicate-free service list', () => {
    expect(MAIN_MODULE_TOOLS.awsProvider.services).toBe(AWS_PROVIDER_SERVICES)
    expect([...new Set(AWS_PROVIDER_SERVICES)].sort()).toEqual(AWS_PROVIDER_SERVICES)
  })
})

describe('the service package behind each client accessor', () => {
  it('is read from the names constant the accessor passes', () => {
    const names =
      'const (\n\tAccessAnalyzer               = "accessanalyzer"\n\tEC2                          = "ec2"\n\tS3                           = "s3"\n)\n'
    expect(Object.fromEntries(accessorServices(factory, names))).toEqual({
      AccessAnalyzerClient: 'accessanalyzer',
      EC2Client: 'ec2',
      S3Client: 's3',
    })
  })
})
