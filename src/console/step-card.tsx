// A step as the run page shows it: its head with Restart from here, its output and
// log lines cut to what the page can carry (the step's own page shows the rest), and
// the errors of its attempts.

import { href } from "../host.ts";
import type { FC } from "hono/jsx";
import type { ConsoleStep } from "../runs/run-view.ts";
import { duration, ms, pretty, size } from "./format.ts";
import { Status } from "./layout.tsx";
import { ErrorBlock, Json, Logs } from "./blocks.tsx";
import { downloadPath, KeptValue } from "./kept-value.tsx";

/** Output shown on the run page at all; the step's own page shows the rest. */
const MAX_OUTPUT_CHARS = 64 * 1024;

/** A step with its output, the lines it printed and its error. */
export const StepCard: FC<{ runId: string; step: ConsoleStep; now: number; restartable: boolean }> = ({ runId, step, now, restartable }) => {
  const own = href(`/runs/${runId}/steps/${encodeURIComponent(step.key)}`);
  const ended = ms(step.endedAt);
  return (
    <div class="step" id={`step-${step.key}`}>
      <div class="head">
        <span class="key">{step.key}</span>
        <Status status={step.status} />
        <span class="muted">
          {step.kind}
          {step.script ? ` · script ${step.script}` : ""}
          {step.attempts > 1 ? ` · ${step.attempts} attempts` : ""}
          {step.cached ? " · from cache" : ""}
          {` · ${duration((ended ?? now) - (ms(step.startedAt) ?? now))}`}
        </span>
        {step.childId ? <a href={href(`/runs/${step.childId}`)}>child run {step.childId.slice(0, 8)}…</a> : null}
        {restartable ? (
          <form method="post" action={href(`/runs/${runId}/restart`)}>
            <input type="hidden" name="fromStep" value={step.key} />
            <button type="submit">Restart from here</button>
          </form>
        ) : null}
        <a class="muted" href={own}>
          details
        </a>
      </div>
      {step.status === "completed" && step.kind !== "sleep" && step.kind !== "patch" ? <Output step={step} own={own} runId={runId} /> : null}
      {step.logs.length > 0 ? <Logs lines={step.logs} own={own} /> : null}
      {step.history
        .filter((attempt) => attempt.error && (attempt.attempt < step.attempts || !step.error))
        .map((attempt) => (
          <div>
            <span class="muted">attempt {attempt.attempt} failed</span>
            {attempt.error ? <ErrorBlock error={attempt.error} /> : null}
          </div>
        ))}
      {step.error ? <ErrorBlock error={step.error} /> : null}
    </div>
  );
};

const Output: FC<{ step: ConsoleStep; own: string; runId: string }> = ({ step, own, runId }) => {
  if (step.outputRef) return <KeptValue bytes={step.outputRef.bytes} path={downloadPath(runId, { step: step.key })} label="output" />;
  const text = pretty(step.output);
  if (text.length > MAX_OUTPUT_CHARS) {
    return (
      <details data-key={`out:${step.key}`}>
        <summary>output · {size(text.length)} (the first {size(MAX_OUTPUT_CHARS)} shown)</summary>
        <pre>{text.slice(0, MAX_OUTPUT_CHARS)}</pre>
        <a href={own}>The whole output</a>
      </details>
    );
  }
  return <Json value={step.output} fold={`out:${step.key}`} label="output" />;
};
