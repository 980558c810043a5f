// The most one run may record, the same in both hosts: the run object (src/runs/)
// and runLocally (sdk/testing/), so a workflow that passes locally fits in production.

/** Most steps one run records; the call that would pass it fails the run with StepLimitError. */
export const MAX_RUN_STEPS = 100_000;
