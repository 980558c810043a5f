// What a Worker's wrangler config must have for this version of Baton: bindings,
// Durable Object classes (and since which version each exists, so an upgrade knows
// which migration to add), queues, the cron trigger, flags. The one list: `baton init`
// writes it, `baton doctor` checks against it, and the Worker names a missing binding
// from it at its first request.

/** A Durable Object binding Baton uses, and the version that introduced its class. */
export interface ObjectBinding {
  binding: string;
  className: string;
  since: string;
}

/** A queue consumer's settings, as wrangler names them. */
export interface QueueConsumer {
  queue: string;
  max_batch_size: number;
  max_batch_timeout: number;
  max_retries?: number;
  dead_letter_queue?: string;
}

/** Everything Baton needs from a Worker's config. */
export const HOST_CONFIG = {
  /** The oldest compatibility date Baton runs on. */
  compatibilityDate: "2026-11-01",
  /** nodejs_compat: AsyncLocalStorage; the other lets a consumer's run mirror resume across invocations. */
  compatibilityFlags: ["nodejs_compat", "no_handle_cross_request_promise_resolution"],
  durableObjects: [
    { binding: "RUNS", className: "RunObject", since: "0.1.0" },
    { binding: "RUN_INDEX", className: "RunIndex", since: "0.1.0" },
    { binding: "TASK_CACHE", className: "TaskCache", since: "0.1.0" },
    { binding: "CONCURRENCY", className: "ConcurrencyLimiter", since: "0.1.0" },
    { binding: "SCHEDULER", className: "Scheduler", since: "0.1.0" },
    { binding: "ACCESS_GUARD", className: "AccessGuard", since: "0.2.0" },
    { binding: "WORK_QUEUES", className: "WorkQueue", since: "0.3.0" },
    { binding: "WORKERS", className: "WorkerDirectory", since: "0.3.0" },
  ] satisfies ObjectBinding[],
  queueProducers: [{ binding: "TASKS", queue: "baton-tasks" }],
  queueConsumers: [
    { queue: "baton-tasks", max_batch_size: 100, max_batch_timeout: 0, max_retries: 10, dead_letter_queue: "baton-tasks-dlq" },
    { queue: "baton-tasks-dlq", max_batch_size: 100, max_batch_timeout: 0 },
  ] satisfies QueueConsumer[],
  /** The scheduler's tick. */
  crons: ["* * * * *"],
  /** Approval emails. */
  sendEmail: "EMAIL",
  /** The R2 bucket large values are kept in by reference (optional at run time: without it values stay within 1 MiB). */
  payloadBucket: { binding: "BATON_PAYLOADS", bucket_name: "baton-payloads" },
  /** Each run records the Worker version that started it. */
  versionMetadata: "CF_VERSION_METADATA",
  /** Secrets, set with `wrangler secret put` (and `--var` in dev). */
  secrets: ["BATON_API_TOKEN", "BATON_SIGNING_KEY"],
} as const;
