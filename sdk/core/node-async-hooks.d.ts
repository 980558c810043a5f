// The one Node API the core relies on, available on Workers (nodejs_compat), Deno and
// Node alike. Declared here so the core does not pull in all of @types/node.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, fn: () => R): R;
  }
}
