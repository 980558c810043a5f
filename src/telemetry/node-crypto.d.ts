// The one piece of node:crypto trace ids use (a synchronous SHA-256, on Workers under
// nodejs_compat). Declared here so the package's build does not pull in all of @types/node.
declare module "node:crypto" {
  /** A running hash. */
  interface TraceHash {
    update(data: string): TraceHash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): TraceHash;
}
