// A run's timeline: a row per step with an SVG bar per attempt, queue wait apart from
// running time, back-offs between, and sleeps, approvals, event waits and child runs as one bar each.

import { href } from "../host.ts";
import type { FC } from "hono/jsx";
import type { ConsoleStep } from "../runs/run-view.ts";
import { duration, ms, time } from "./format.ts";

/** The key to the timeline's colours. */
export const Legend: FC = () => (
  <div class="legend">
    <span>
      <i class="queue"></i>queued
    </span>
    <span>
      <i class="ran"></i>running
    </span>
    <span>
      <i class="ok"></i>succeeded
    </span>
    <span>
      <i class="bad"></i>failed
    </span>
    <span>
      <i class="backoff"></i>retry back-off
    </span>
    <span>
      <i class="sleep"></i>sleep
    </span>
    <span>
      <i class="wait"></i>approval
    </span>
    <span>
      <i class="event"></i>event
    </span>
    <span>
      <i class="flow"></i>child run
    </span>
  </div>
);

/** One bar segment on the timeline, in the run's time. */
interface Bar {
  from: number;
  to: number;
  kind: "queue" | "ran" | "ok" | "bad" | "backoff" | "sleep" | "wait" | "event" | "flow" | "now";
  title: string;
}

/** The segments of a step: per attempt its queue wait and running time, back-offs between, and sleeps, approvals and child runs as one bar. */
export function barsOf(step: ConsoleStep, now: number): Bar[] {
  const started = ms(step.startedAt) ?? now;
  const ended = ms(step.endedAt);
  const open = ended === undefined;
  switch (step.kind) {
    case "sleep":
      return [{ from: started, to: ended ?? now, kind: "sleep", title: `slept ${duration((ended ?? now) - started)}${open && step.wakeAt ? `, wakes ${time(step.wakeAt)}` : ""}` }];
    case "approval":
      return [{ from: started, to: ended ?? now, kind: "wait", title: `${open ? "waiting" : "waited"} ${duration((ended ?? now) - started)} for a decision` }];
    case "event":
      return [{ from: started, to: ended ?? now, kind: "event", title: `${open ? "waiting" : "waited"} ${duration((ended ?? now) - started)} for event "${step.event ?? step.name}"` }];
    case "flow":
      return [{ from: started, to: ended ?? now, kind: "flow", title: `child run ${step.childId ?? ""}: ${duration((ended ?? now) - started)}` }];
    case "send":
      // Until the target run answered (a signal, retried until it does).
      return [{ from: started, to: ended ?? now, kind: "event", title: `${open ? "sending" : "sent"} an event to another run: ${duration((ended ?? now) - started)}` }];
    case "patch":
    case "continue":
      return [];
    default:
      break;
  }
  const bars: Bar[] = [];
  let previousEnd: number | undefined;
  for (const attempt of step.history) {
    const dispatched = ms(attempt.startedAt) ?? previousEnd ?? started;
    const ran = ms(attempt.ranAt) ?? dispatched;
    const done = ms(attempt.endedAt) ?? ran;
    if (previousEnd !== undefined && dispatched > previousEnd) bars.push({ from: previousEnd, to: dispatched, kind: "backoff", title: `retry back-off ${duration(dispatched - previousEnd)}` });
    if (ran > dispatched) bars.push({ from: dispatched, to: ran, kind: "queue", title: `attempt ${attempt.attempt}: queued ${duration(ran - dispatched)}` });
    const verdict = attempt.error ? `failed: ${attempt.error.name}: ${attempt.error.message}` : "succeeded";
    bars.push({ from: ran, to: done, kind: attempt.error ? "bad" : "ok", title: `attempt ${attempt.attempt}: ran ${duration(done - ran)}, ${verdict}` });
    previousEnd = done;
  }
  if (step.status === "retrying" && previousEnd !== undefined) {
    const wakes = ms(step.wakeAt) ?? now;
    bars.push({ from: previousEnd, to: Math.max(now, previousEnd), kind: "backoff", title: `retry back-off, next attempt ${time(new Date(wakes).toISOString())}` });
  } else if (step.status === "running" || step.status === "queued") {
    const current = ms(step.attemptStartedAt) ?? started;
    if (previousEnd !== undefined && current > previousEnd) bars.push({ from: previousEnd, to: current, kind: "backoff", title: `retry back-off ${duration(current - previousEnd)}` });
    bars.push({ from: current, to: now, kind: step.status === "queued" ? "queue" : "now", title: `attempt ${step.attempts}: ${step.status} for ${duration(now - current)}` });
  }
  return bars;
}

/** A step's row: its name, its bars scaled to the run from `start` to `end`, and how long they took. */
export const TimelineRow: FC<{ step: ConsoleStep; start: number; end: number; now: number }> = ({ step, start, end, now }) => {
  const span = Math.max(1, end - start);
  const x = (t: number) => Math.min(1000, Math.max(0, ((t - start) / span) * 1000));
  const bars = barsOf(step, now);
  const first = bars[0]?.from ?? ms(step.startedAt) ?? start;
  const last = bars[bars.length - 1]?.to ?? first;
  return (
    <div class="tl-row">
      <div class="name" title={step.key}>
        <a href={`#step-${step.key}`}>{step.key}</a>
        {step.childId ? (
          <>
            {" "}
            <a href={href(`/runs/${step.childId}`)}>child run</a>
          </>
        ) : null}
      </div>
      <svg viewBox="0 0 1000 14" preserveAspectRatio="none" role="img" aria-label={`${step.key}: ${step.status}`}>
        {bars.map((bar) => (
          <rect class={bar.kind} x={x(bar.from).toFixed(2)} y="2" height="10" width={Math.max(1.5, x(bar.to) - x(bar.from)).toFixed(2)}>
            <title>{bar.title}</title>
          </rect>
        ))}
      </svg>
      <div class="took">{bars.length > 0 ? duration(last - first) : ""}</div>
    </div>
  );
};
