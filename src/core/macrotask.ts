// One turn of the event loop: by then every continuation of an already resolved
// promise has run, so a replayed workflow has gone as far as the log lets it.

/** Resolves after the current macrotask and all its microtasks. */
export const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
