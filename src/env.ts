// The Worker's bindings and variables, as wrangler.toml declares them.

import type { AccessGuard } from "./api/access-guard.ts";
import type { RunIndex } from "./run-list/run-index.ts";
import type { RunObject } from "./runs/run-object.ts";
import type { TaskCache } from "./tasks/task-cache.ts";
import type { ConcurrencyLimiter } from "./tasks/concurrency-limiter.ts";
import type { TaskMessage } from "./tasks/messages.ts";
import type { Scheduler } from "./schedules/scheduler.ts";
import type { WorkQueue } from "./remote/work-queue.ts";
import type { WorkerDirectory } from "./remote/worker-directory.ts";

export interface Env {
  /** One Durable Object per run. */
  RUNS: DurableObjectNamespace<RunObject>;
  /** Concurrency limits, one object per limit key. */
  CONCURRENCY: DurableObjectNamespace<ConcurrencyLimiter>;
  /** Cached task results, one object per cache identity. */
  TASK_CACHE: DurableObjectNamespace<TaskCache>;
  /** One scheduler per scheduled workflow: it starts each due run once. */
  SCHEDULER: DurableObjectNamespace<Scheduler>;
  /** Failed credentials per client address, and the console's open sessions. */
  ACCESS_GUARD: DurableObjectNamespace<AccessGuard>;
  /** The list index of runs. */
  RUN_INDEX: DurableObjectNamespace<RunIndex>;
  /** Work waiting for workers you run, one object per queue name. */
  WORK_QUEUES?: DurableObjectNamespace<WorkQueue>;
  /** Who registered which workflows and scripts (one object). */
  WORKERS?: DurableObjectNamespace<WorkerDirectory>;
  /** Bearer token workers you run present (a Wrangler secret apart from the API token); without it /api/worker answers 503. */
  BATON_WORKER_TOKEN?: string;
  /**
   * Optional R2 bucket for large values: with it, step and task results, run inputs,
   * outputs and event payloads over 128 KiB of JSON are kept there by reference (up to
   * 100 MiB each, 10 GiB per run); without it every value stays within 1 MiB.
   */
  BATON_PAYLOADS?: R2Bucket;
  /** Task messages for the queue consumer. */
  TASKS: Queue<TaskMessage>;
  /** Bearer token for /api; the API refuses every request while it is unset. */
  BATON_API_TOKEN?: string;
  /** "off" makes consumers replay every task from the whole log instead of keeping a mirror of the run. */
  BATON_CONSUMER_CACHE?: string;
  /** Secret for signing approval links (a Wrangler secret); without it no links are made. */
  BATON_SIGNING_KEY?: string;
  /** Origin approval links point at, e.g. https://baton.example.com; default: the origin runs were started on. */
  BATON_PUBLIC_URL?: string;
  /** The send_email binding approval emails go through. */
  EMAIL?: SendEmail;
  /** Sender address of approval emails (must be on a domain with Email Routing). */
  BATON_EMAIL_FROM?: string;
  /** The Worker's version metadata; each run records the version that started it. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
  /** Milliseconds between a consumer's checks that the tasks it runs are still wanted (default 1000). */
  BATON_CANCEL_CHECK_MS?: string;
  /** Days an ended run is kept before it deletes itself (default 30; "never" keeps runs). */
  BATON_RETENTION_DAYS?: string;
  /** OTLP/HTTP collector runs export traces to (`https://host:4318`, or its full `/v1/traces` URL); unset: no traces. */
  BATON_OTLP_ENDPOINT?: string;
  /** Headers of each export, `key=value,key2=value2` (OTEL_EXPORTER_OTLP_HEADERS' format); may hold an API key: a Wrangler secret. */
  BATON_OTLP_HEADERS?: string;
  /** The traces' `service.name` (default "baton"). */
  BATON_OTLP_SERVICE_NAME?: string;
}
