// A run object's trace export: after each flush, in the background, the events past
// the run's export cursor become spans (run-spans.ts) and are POSTed as OTLP/HTTP JSON,
// at most 512 events' worth per request and one request in flight per object. The
// cursor (the last event exported) is stored with the run, so spans go out once across
// evictions. A failed POST is tried again with back-off a few times, then the batch is
// dropped with one error naming only the endpoint's origin: exporting never blocks,
// slows or fails a run.

import { toErrorData } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RunRow, RunStore } from "../runs/run-store.ts";
import { otlpBody, type Span } from "./otlp.ts";
import { otlpConfig, tracingOn, type OtlpConfig } from "./otlp-config.ts";
import { spansOf, type SpanSource } from "./run-spans.ts";
import { attemptTraceparentOf, rootTraceparentOf, runTraceOf } from "./trace-ids.ts";

/** Events read (and so spans built, at most) per export request. */
export const EVENTS_PER_EXPORT = 512;

/** Waits before each further try of a failed POST; then the batch is dropped. */
const RETRY_DELAYS_MS = [500, 2_000, 8_000];

/** How long one POST may take before it counts as failed. */
const POST_TIMEOUT_MS = 10_000;

/** The run object's exporter: `kick()` after every flush. */
export class RunTracer {
  private running: Promise<void> | undefined;
  private again = false;
  private readonly store: RunStore;
  private readonly env: Env;

  constructor(store: RunStore, env: Env) {
    this.store = store;
    this.env = env;
  }

  /** Exports what the run's new events complete, in the background; a no-op while tracing is off. */
  kick(): void {
    const config = otlpConfig(this.env);
    if (!config) return;
    this.again = true;
    this.running ??= this.drain(config).finally(() => {
      this.running = undefined;
    });
  }

  /** Settles once no export is in flight (tests, and a caller that wants to wait). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(config: OtlpConfig): Promise<void> {
    try {
      while (this.again) {
        this.again = false;
        for (;;) {
          const run = this.store.run();
          if (!run) return;
          const events = this.store.events.after(run.traceCursor, EVENTS_PER_EXPORT);
          const last = events.at(-1);
          if (!last) break;
          const spans = spansOf(run, events, this.source());
          if (spans.length > 0) await post(config, spans, run.id);
          // Past these events whether they went out or were dropped: a span is sent at most once per success.
          this.store.markTraced(last.id);
          if (events.length < EVENTS_PER_EXPORT) break;
        }
      }
    } catch (error) {
      console.error(`baton: traces not exported: ${toErrorData(error).message}`);
    }
  }

  private source(): SpanSource {
    const { steps, events } = this.store;
    return {
      step: (key) => steps.step(key),
      attemptStart: (key, attempt) => {
        const found = steps.history(key).find((a) => a.attempt === attempt);
        const at = found?.ranAt ?? found?.startedAt ?? null;
        return at === null ? null : Date.parse(at);
      },
      rootEvents: (limit) => events.ofTypes(["step.sleeping", "step.waiting", "step.decided"], limit),
    };
  }
}

/** POSTs `spans`, trying again with back-off; a batch that never goes through is dropped with one error. */
async function post(config: OtlpConfig, spans: Span[], runId: string): Promise<void> {
  const body = otlpBody(spans, config.serviceName, null);
  let last = "";
  for (let tried = 0; tried <= RETRY_DELAYS_MS.length; tried++) {
    if (tried > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[tried - 1]));
    // A timer cleared once the POST is over (AbortSignal.timeout's would outlive it and keep the object busy).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), POST_TIMEOUT_MS);
    try {
      const response = await fetch(config.url, { method: "POST", headers: { ...config.headers, "content-type": "application/json" }, body, signal: controller.signal });
      // The answer's body is not needed (a partial-success note at most); drained so the connection is freed.
      await response.body?.cancel();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
      // A 4xx other than 429 will not change on a retry.
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      last = toErrorData(error).name;
    } finally {
      clearTimeout(timer);
    }
  }
  // The origin only: the path or query could carry a key, the headers do.
  console.error(`baton: ${spans.length} spans of run ${runId} dropped: ${config.origin} did not take them (${last})`);
}

/** The traceparent of an attempt's span, for its task message and its closure; null while tracing is off. */
export function attemptTraceparent(env: Env, run: RunRow | undefined, key: string, attempt: number): string | null {
  if (!run || !tracingOn(env)) return null;
  return attemptTraceparentOf(runTraceOf(run.id, run.traceparent), run.id, key, attempt);
}

/** The traceparent a child run (or a restart) of `run` starts under: the run's root span; null while tracing is off. */
export function childTraceparent(env: Env, run: RunRow): string | null {
  if (!tracingOn(env)) return null;
  return rootTraceparentOf(runTraceOf(run.id, run.traceparent));
}
