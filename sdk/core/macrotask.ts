// One turn of the event loop: by then every continuation of an already resolved
// promise has run, so a replayed workflow has gone as far as the log lets it.

export { macrotask } from "./determinism.ts";
