export function keepServicePackages(source: string, services: string[]): string
export function clientAccessorsCalled(goSource: string): Set<string>
export function keepClientAccessors(source: string, used: Set<string>): string
export function buildProviderWithServices(options: Record<string, unknown>): void
export function accessorServices(factorySource: string, namesSource: string): Map<string, string>
