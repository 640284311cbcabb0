export declare const UNREACHABLE: number
export declare class Unreachable extends Error {}
export declare function download(
  url: string,
  sha256: string,
  file: string,
  options?: { fetchImpl?: typeof fetch; timeoutMs?: number },
): Promise<void>
