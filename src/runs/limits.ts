// What one run may hold, and how much of it crosses one call: every answer, RPC and
// message stays bounded however large the run grows (RPCs stop at 32 MiB, a run
// object's memory at 128 MB). The step limit is the engine's, shared with runLocally.

export { MAX_RUN_STEPS } from "baton-workflows/engine";

/**
 * Most bytes of step results and errors one run holds: a replay (in the run object
 * after an eviction, in a consumer without a mirror) reads them all into memory. Past
 * it the run fails with StepLimitError; large data belongs elsewhere, by reference.
 */
export const MAX_RUN_LOG_BYTES = 64 * 1024 * 1024;

/** About how many bytes of log one page a consumer fetches holds. */
export const LOG_PAGE_BYTES = 8 * 1024 * 1024;

/** Steps in `GET /api/runs/:id` and in each page of `GET /api/runs/:id/steps`. */
export const STEPS_PAGE_SIZE = 1000;
