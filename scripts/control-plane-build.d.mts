export declare const KWOK_STAGE_FILES: string[]
export declare function buildModuleGoMod(kubernetesGoMod: string, kubernetesVersion: string, etcdVersion: string): string
type Run = (command: string, args: string[], options?: Record<string, unknown>) => { stdout: string; stderr: string; status: number | null }
type InstallInto = (finalDir: string, fill: (dir: string) => void) => void
export declare function buildKubernetes(options: { run: Run; installInto: InstallInto; kubernetesDir: string; etcdDir: string }): void
export declare function installKwok(options: { run: Run; installInto: InstallInto; kwokDir: string }): void
export declare function installKwokStages(options: { run: Run; dir: string }): void
