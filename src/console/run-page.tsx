// A run's page: its status, input, output and error; its waiting approvals with
// Approve and Reject; Cancel while it is active; a timeline with a bar per step
// attempt (queue wait apart from running time); and each step's output, log lines and
// error. The body is also served alone, and a small script swaps it in every second
// while the run is active, so the page follows the run without a reload.

import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import type { ErrorView, LogLineView, StepDetail } from "baton/client";
import type { ConsoleStep, RunWindow } from "../runs/run-view.ts";
import { duration, ms, pretty, size, time } from "./format.ts";
import { Layout, Status } from "./layout.tsx";

/** Steps shown per page of a run. */
export const STEPS_PER_PAGE = 100;
/** Output shown inline before it is folded away. */
const FOLD_CHARS = 2_000;
/** Output shown on the run page at all; the step's own page shows the rest. */
const MAX_OUTPUT_CHARS = 64 * 1024;
/** Log lines shown per step on the run page; the step's own page shows the rest. */
const MAX_LOG_LINES = 200;

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** The whole page: the frame, the live body and the script that refreshes it. */
export const RunPage: FC<{ nonce: string; window: RunWindow; now: number; notice?: string | undefined }> = ({ nonce, window, now, notice }) => {
  const run = window.run;
  const live = `/runs/${run.id}/live${window.offset > 0 ? `?from=${window.offset}` : ""}`;
  return (
    <Layout title={`${run.workflow} ${run.id.slice(0, 8)}`} nonce={nonce}>
      {notice ? <p class="notice bad">{notice}</p> : null}
      <div id="live" data-src={live}>
        <RunBody window={window} now={now} />
      </div>
      <script nonce={nonce}>{raw(LIVE_SCRIPT)}</script>
    </Layout>
  );
};

// Polls the body while the run is active and swaps it in when it changed, keeping
// folded sections as the reader left them and never clobbering a comment being typed.
const LIVE_SCRIPT = `(() => {
  const root = document.getElementById("live");
  if (!root) return;
  let last = root.innerHTML;
  const ended = () => root.querySelector("[data-ended=true]") !== null;
  const busy = () => [...root.querySelectorAll("textarea")].some((t) => t.value !== "" || t === document.activeElement);
  const tick = async () => {
    if (ended()) return;
    try {
      const response = await fetch(root.dataset.src, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) return location.reload();
      if (response.status === 404) return;
      if (response.ok) {
        const html = await response.text();
        if (html !== last && !busy()) {
          const open = new Set([...root.querySelectorAll("details[data-key]")].filter((d) => d.open).map((d) => d.dataset.key));
          const shut = new Set([...root.querySelectorAll("details[data-key]")].filter((d) => !d.open).map((d) => d.dataset.key));
          root.innerHTML = html;
          last = html;
          for (const d of root.querySelectorAll("details[data-key]")) {
            if (open.has(d.dataset.key)) d.open = true;
            if (shut.has(d.dataset.key)) d.open = false;
          }
        }
      }
    } catch {}
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();`;

/** Everything the page shows of the run: what the live script swaps in. */
export const RunBody: FC<{ window: RunWindow; now: number }> = ({ window, now }) => {
  const run = window.run;
  const ended = TERMINAL.has(run.status);
  const start = Date.parse(run.createdAt);
  const end = ended ? Date.parse(run.updatedAt) : now;
  const pages = Math.max(1, Math.ceil(window.total / STEPS_PER_PAGE));
  const pageOf = (offset: number) => `/runs/${run.id}${offset > 0 ? `?from=${offset}` : ""}`;
  return (
    <div data-ended={ended ? "true" : "false"}>
      <h1>
        {run.workflow} <Status status={run.status} />
      </h1>
      <dl class="facts">
        <dt>Run</dt>
        <dd>
          <code>{run.id}</code>
        </dd>
        <dt>Started</dt>
        <dd>{time(run.createdAt)}</dd>
        <dt>{ended ? "Took" : "Running for"}</dt>
        <dd>{duration(end - start)}</dd>
        {run.wakeAt ? (
          <>
            <dt>Wakes</dt>
            <dd>{time(run.wakeAt)}</dd>
          </>
        ) : null}
        {run.restartOf ? (
          <>
            <dt>Restart of</dt>
            <dd>
              <a href={`/runs/${run.restartOf}`}>{run.restartOf}</a>
            </dd>
          </>
        ) : null}
        {run.parentId ? (
          <>
            <dt>Parent</dt>
            <dd>
              <a href={`/runs/${run.parentId}`}>{run.parentId}</a>
            </dd>
          </>
        ) : null}
        <dt>Version</dt>
        <dd>
          <code>{run.version ?? "—"}</code>
        </dd>
        <dt>Steps</dt>
        <dd>
          {window.total}
          {Object.entries(window.counts).length > 0 ? ` (${Object.entries(window.counts).map(([status, n]) => `${n} ${status}`).join(", ")})` : ""}
        </dd>
      </dl>
      {ended ? (
        <form class="actions" method="post" action={`/runs/${run.id}/delete`}>
          <button class="primary" type="submit" formaction={`/runs/${run.id}/restart`}>
            Restart
          </button>
          <button class="danger" type="submit">
            Delete
          </button>
          <span class="muted">
            Restart runs it again from its first failed step, keeping what completed before; Delete removes it with its steps, outputs and logs (ended runs go by
            themselves after the retention period).
          </span>
        </form>
      ) : (
        <form class="actions" method="post" action={`/runs/${run.id}/cancel`}>
          <button class="danger" type="submit">
            Cancel
          </button>
          <span class="muted">This page follows the run as it goes.</span>
        </form>
      )}
      {run.approvals.map((approval) => (
        <form class="card approval" method="post" action={`/runs/${run.id}/approvals/${encodeURIComponent(approval.key)}`}>
          <strong>Waiting for approval</strong> <code>{approval.key}</code>
          {approval.message ? <p>{approval.message}</p> : null}
          <p class="muted">
            Asked: {approval.to.length > 0 ? approval.to.join(", ") : "anyone"} · until {time(approval.expiresAt)}
          </p>
          <label for={`comment-${approval.key}`}>Comment (optional)</label>
          <textarea id={`comment-${approval.key}`} name="comment" maxlength={2000}></textarea>
          <div class="buttons">
            <button class="approve" type="submit" name="decision" value="approve">
              Approve
            </button>
            <button class="danger" type="submit" name="decision" value="reject">
              Reject
            </button>
          </div>
        </form>
      ))}
      {run.events.map((event) => (
        <form class="card approval" method="post" action={`/runs/${run.id}/events`}>
          <strong>Waiting for event</strong> <code>{event.name}</code>
          <p class="muted">
            until {time(event.expiresAt)} · send it here, or with <code>POST /api/runs/{run.id}/events/{event.name}</code>
          </p>
          <input type="hidden" name="name" value={event.name} />
          <label for={`payload-${event.key}`}>Payload (JSON, optional)</label>
          <textarea id={`payload-${event.key}`} name="payload"></textarea>
          <div class="buttons">
            <button class="primary" type="submit">
              Send event
            </button>
          </div>
        </form>
      ))}
      <h2>Input</h2>
      <Json value={run.input} fold={`input`} />
      {run.status === "completed" ? (
        <>
          <h2>Output</h2>
          <Json value={run.output} fold="output" />
        </>
      ) : null}
      {run.error ? (
        <>
          <h2>Error</h2>
          <ErrorBlock error={run.error} />
        </>
      ) : null}
      <h2>Timeline</h2>
      {window.total === 0 ? (
        <p class="muted">No steps yet.</p>
      ) : (
        <>
          <Legend />
          <div class="timeline">
            <div class="tl-axis">
              <span>{time(run.createdAt)}</span>
              <span>+{duration(end - start)}</span>
            </div>
            {window.steps.map((step) => (
              <TimelineRow step={step} start={start} end={end} now={now} />
            ))}
          </div>
        </>
      )}
      {pages > 1 ? (
        <nav class="pager">
          <span>
            Steps {window.offset + 1}–{Math.min(window.total, window.offset + STEPS_PER_PAGE)} of {window.total}
          </span>
          {window.offset > 0 ? <a href={pageOf(Math.max(0, window.offset - STEPS_PER_PAGE))}>Previous steps</a> : null}
          {window.offset + STEPS_PER_PAGE < window.total ? <a href={pageOf(window.offset + STEPS_PER_PAGE)}>Next steps</a> : null}
          <a href={pageOf((pages - 1) * STEPS_PER_PAGE)}>Last steps</a>
        </nav>
      ) : null}
      <h2>Steps</h2>
      {window.steps.map((step) => (
        <StepCard runId={run.id} step={step} now={now} restartable={ended && step.kind !== "patch"} />
      ))}
    </div>
  );
};

const Legend: FC = () => (
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
      <i class="flow"></i>child run
    </span>
  </div>
);

/** One bar segment on the timeline, in the run's time. */
interface Bar {
  from: number;
  to: number;
  kind: "queue" | "ran" | "ok" | "bad" | "backoff" | "sleep" | "wait" | "flow" | "now";
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
      return [{ from: started, to: ended ?? now, kind: "wait", title: `${open ? "waiting" : "waited"} ${duration((ended ?? now) - started)} for event "${step.event ?? step.name}"` }];
    case "flow":
      return [{ from: started, to: ended ?? now, kind: "flow", title: `child run ${step.childId ?? ""}: ${duration((ended ?? now) - started)}` }];
    case "patch":
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

const TimelineRow: FC<{ step: ConsoleStep; start: number; end: number; now: number }> = ({ step, start, end, now }) => {
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
            <a href={`/runs/${step.childId}`}>child run</a>
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

/** A step with its output, the lines it printed and its error. */
const StepCard: FC<{ runId: string; step: ConsoleStep; now: number; restartable: boolean }> = ({ runId, step, now, restartable }) => {
  const own = `/runs/${runId}/steps/${encodeURIComponent(step.key)}`;
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
        {step.childId ? <a href={`/runs/${step.childId}`}>child run {step.childId.slice(0, 8)}…</a> : null}
        {restartable ? (
          <form method="post" action={`/runs/${runId}/restart`}>
            <input type="hidden" name="fromStep" value={step.key} />
            <button type="submit">Restart from here</button>
          </form>
        ) : null}
        <a class="muted" href={own}>
          details
        </a>
      </div>
      {step.status === "completed" && step.kind !== "sleep" && step.kind !== "patch" ? <Output step={step} own={own} /> : null}
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

const Output: FC<{ step: ConsoleStep; own: string }> = ({ step, own }) => {
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

/** A JSON value, pretty; folded when large. */
const Json: FC<{ value: unknown; fold: string; label?: string }> = ({ value, fold, label }) => {
  const text = pretty(value);
  if (text.length <= FOLD_CHARS) {
    return label ? (
      <div>
        <span class="muted">{label}</span>
        <pre>{text}</pre>
      </div>
    ) : (
      <pre>{text}</pre>
    );
  }
  return (
    <details data-key={fold}>
      <summary>
        {label ?? "value"} · {size(text.length)}
      </summary>
      <pre>{text}</pre>
    </details>
  );
};

const Logs: FC<{ lines: LogLineView[]; own?: string }> = ({ lines, own }) => {
  const shown = own ? lines.slice(0, MAX_LOG_LINES) : lines;
  return (
    <div>
      <span class="muted">logs</span>
      <pre class="logs">
        {shown.map((line) => (
          <span class={`log-${line.level}`}>
            {`${new Date(line.at).toISOString().slice(11, 23)} #${line.attempt} ${line.level.padEnd(5)} ${line.message}\n`}
          </span>
        ))}
      </pre>
      {own && lines.length > shown.length ? <a href={own}>{lines.length - shown.length} more lines</a> : null}
    </div>
  );
};

/** An error with its code, fields, stack (folded) and causes. */
export const ErrorBlock: FC<{ error: ErrorView }> = ({ error }) => (
  <div class="err">
    <div class="error">
      <strong>{error.name}</strong>: {error.message}
      {error.code ? <span class="muted"> ({error.code})</span> : null}
    </div>
    {error.fields ? <pre>{pretty(error.fields)}</pre> : null}
    {error.stack ? (
      <details>
        <summary class="muted">stack</summary>
        <pre>{error.stack}</pre>
      </details>
    ) : null}
    {error.cause ? (
      <div class="cause">
        <span class="muted">caused by</span>
        <ErrorBlock error={error.cause} />
      </div>
    ) : null}
  </div>
);

/** One step alone, with all of its output, every attempt and every line it printed. */
export const StepPage: FC<{ nonce: string; runId: string; step: StepDetail; now: number }> = ({ nonce, runId, step, now }) => (
  <Layout title={step.key} nonce={nonce}>
    <p>
      <a href={`/runs/${runId}`}>← run {runId}</a>
    </p>
    <h1>
      {step.key} <Status status={step.status} />
    </h1>
    <dl class="facts">
      <dt>Kind</dt>
      <dd>{step.kind}</dd>
      <dt>Started</dt>
      <dd>{time(step.startedAt)}</dd>
      <dt>Ended</dt>
      <dd>{time(step.endedAt)}</dd>
      <dt>Took</dt>
      <dd>{duration((ms(step.endedAt) ?? now) - (ms(step.startedAt) ?? now))}</dd>
      <dt>Attempts</dt>
      <dd>{step.attempts}</dd>
    </dl>
    {step.history.length > 0 ? (
      <table>
        <thead>
          <tr>
            <th>Attempt</th>
            <th>Dispatched</th>
            <th>Queued</th>
            <th>Ran</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {step.history.map((attempt) => {
            const dispatched = ms(attempt.startedAt);
            const ran = ms(attempt.ranAt) ?? dispatched;
            const done = ms(attempt.endedAt);
            return (
              <tr>
                <td>{attempt.attempt}</td>
                <td>{time(attempt.startedAt)}</td>
                <td>{dispatched !== undefined && ran !== undefined ? duration(ran - dispatched) : "—"}</td>
                <td>{ran !== undefined && done !== undefined ? duration(done - ran) : "—"}</td>
                <td>{attempt.error ? <ErrorBlock error={attempt.error} /> : "succeeded"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    ) : null}
    {step.status === "completed" ? (
      <>
        <h2>Output</h2>
        <pre>{pretty(step.output)}</pre>
      </>
    ) : null}
    {step.logs.length > 0 ? (
      <>
        <h2>Logs</h2>
        <Logs lines={step.logs} />
      </>
    ) : null}
    {step.error ? (
      <>
        <h2>Error</h2>
        <ErrorBlock error={step.error} />
      </>
    ) : null}
  </Layout>
);
