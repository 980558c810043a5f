// A run's page: its status, input, output and error; its waiting approvals with
// Approve and Reject; Cancel while it is active; its timeline (timeline.tsx) and its
// steps (step-card.tsx). The body is also served alone, and a small script swaps it in
// every second while the run is active, so the page follows the run without a reload.

import { href } from "../host.ts";
import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { isTerminal } from "baton-workflows/engine";
import type { RunWindow } from "../runs/run-view.ts";
import { duration, time } from "./format.ts";
import { Layout, Status } from "./layout.tsx";
import { ErrorBlock, Json } from "./blocks.tsx";
import { StepCard } from "./step-card.tsx";
import { downloadPath, KeptValue } from "./kept-value.tsx";
import { Legend, TimelineRow } from "./timeline.tsx";
import { ChainLinks } from "./chain-links.tsx";

/** Steps shown per page of a run. */
export const STEPS_PER_PAGE = 100;

/** The whole page: the frame, the live body and the script that refreshes it. */
/** An event form the console refused: what was typed, kept, and why, shown beside it. */
export interface EventProblem {
  name: string;
  payload: string;
  message: string;
}

export const RunPage: FC<{ nonce: string; window: RunWindow; now: number; notice?: string | undefined; eventProblem?: EventProblem | undefined }> = ({
  nonce,
  window,
  now,
  notice,
  eventProblem,
}) => {
  const run = window.run;
  const live = href(`/runs/${run.id}/live${window.offset > 0 ? `?from=${window.offset}` : ""}`);
  return (
    <Layout title={`${run.workflow} ${run.id.slice(0, 8)}`} nonce={nonce}>
      {/* Said beside the event's form when the page shows one for it; else at the top. */}
      {notice && !(eventProblem && run.events.some((event) => event.name === eventProblem.name)) ? <p class="notice bad">{notice}</p> : null}
      <div id="live" data-src={live} data-stream={href(`/runs/${run.id}/stream?after=${window.lastEvent}`)}>
        <RunBody window={window} now={now} eventProblem={eventProblem} />
      </div>
      <script nonce={nonce}>{raw(LIVE_SCRIPT)}</script>
    </Layout>
  );
};

// Follows the run's event stream while it is active and, after a burst of events, swaps
// in the body afresh, keeping folded sections as the reader left them and never
// clobbering a comment being typed. The stream ends with the run; the browser
// reconnects by itself after a break, resuming after the last event it had.
const LIVE_SCRIPT = `(() => {
  const root = document.getElementById("live");
  if (!root || root.querySelector("[data-ended=true]")) return;
  let last = root.innerHTML;
  let queued = false;
  const busy = () => [...root.querySelectorAll("textarea")].some((t) => t.value !== "" || t === document.activeElement);
  const refresh = async () => {
    queued = false;
    try {
      const response = await fetch(root.dataset.src, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) return location.reload();
      if (!response.ok) return;
      const html = await response.text();
      if (html === last) return;
      if (busy()) return later();
      const open = new Set([...root.querySelectorAll("details[data-key]")].filter((d) => d.open).map((d) => d.dataset.key));
      const shut = new Set([...root.querySelectorAll("details[data-key]")].filter((d) => !d.open).map((d) => d.dataset.key));
      root.innerHTML = html;
      last = html;
      for (const d of root.querySelectorAll("details[data-key]")) {
        if (open.has(d.dataset.key)) d.open = true;
        if (shut.has(d.dataset.key)) d.open = false;
      }
    } catch {}
  };
  const later = () => {
    if (queued) return;
    queued = true;
    setTimeout(refresh, 150);
  };
  const stream = new EventSource(root.dataset.stream);
  stream.onmessage = later;
  stream.addEventListener("end", () => {
    stream.close();
    later();
  });
})();`;

/** The step a NonDeterminismError names as where replay diverged, if the run failed with one. */
function divergedAt(error: { name: string; fields?: { [key: string]: unknown } | undefined } | null | undefined): string | undefined {
  const at = error?.name === "NonDeterminismError" ? error.fields?.divergedAt : undefined;
  return typeof at === "string" ? at : undefined;
}

/** Everything the page shows of the run: what the live script swaps in. */
export const RunBody: FC<{ window: RunWindow; now: number; eventProblem?: EventProblem | undefined }> = ({ window, now, eventProblem }) => {
  const run = window.run;
  const ended = isTerminal(run.status);
  const start = Date.parse(run.createdAt);
  const end = ended ? Date.parse(run.updatedAt) : now;
  const pages = Math.max(1, Math.ceil(window.total / STEPS_PER_PAGE));
  const pageOf = (offset: number) => href(`/runs/${run.id}${offset > 0 ? `?from=${offset}` : ""}`);
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
        {run.language !== "typescript" ? (
          <>
            <dt>Runs in</dt>
            <dd>
              {run.language} on queue <code>{run.bodyQueue}</code>
            </dd>
          </>
        ) : null}
        {run.waitingForWorker ? (
          <>
            <dt>Waiting for</dt>
            <dd class="waiting-worker">{run.waitingForWorker}: start one with baton-worker (README, Workers you run)</dd>
          </>
        ) : null}
        {run.startsAt ? (
          <>
            <dt>Starts</dt>
            <dd class="starts-at">{time(run.startsAt)}: debounced, a later start with its key pushes it</dd>
          </>
        ) : null}
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
              <a href={href(`/runs/${run.restartOf}`)}>{run.restartOf}</a>
            </dd>
          </>
        ) : null}
        <ChainLinks run={run} />
        {run.parentId ? (
          <>
            <dt>Parent</dt>
            <dd>
              <a href={href(`/runs/${run.parentId}`)}>{run.parentId}</a>
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
      {ended && divergedAt(run.error) ? (
        <form class="actions" method="post" action={href(`/runs/${run.id}/restart`)}>
          <input type="hidden" name="fromStep" value={divergedAt(run.error)} />
          <button class="primary" type="submit">
            Restart on current code
          </button>
          <span class="muted">
            The workflow's code changed under this run. This starts it again from step <code>{divergedAt(run.error)}</code>, where replay diverged, keeping the steps
            before it; the rest runs on the code deployed now.
          </span>
        </form>
      ) : null}
      {ended ? (
        <form class="actions" method="post" action={href(`/runs/${run.id}/delete`)}>
          <button class="primary" type="submit" formaction={href(`/runs/${run.id}/restart`)}>
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
        <div class="actions">
          <form method="post" action={href(`/runs/${run.id}/${run.status === "paused" ? "resume" : "pause"}`)}>
            <button type="submit">{run.status === "paused" ? "Resume" : "Pause"}</button>
          </form>
          <form method="post" action={href(`/runs/${run.id}/cancel`)}>
            <button class="danger" type="submit">
              Cancel
            </button>
          </form>
          <form method="post" action={href(`/runs/${run.id}/cancel`)}>
            <input type="hidden" name="rollback" value="true" />
            <button class="danger" type="submit" title="The rollbacks of the steps that completed run, newest first, before the run ends cancelled">
              Cancel with rollback
            </button>
          </form>
          <span class="muted">
            {run.status === "paused" ? "Paused: it starts nothing and no timer fires until you resume it." : "This page follows the run as it goes."}
          </span>
        </div>
      )}
      {run.approvals.map((approval) => (
        <form class="card approval" method="post" action={href(`/runs/${run.id}/approvals/${encodeURIComponent(approval.key)}`)}>
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
        <form class="card approval" method="post" action={href(`/runs/${run.id}/events`)}>
          <strong>Waiting for event</strong> <code>{event.name}</code>
          <p class="muted">
            until {time(event.expiresAt)} · send it here, or with <code>POST /api/runs/{run.id}/events/{event.name}</code>
          </p>
          <input type="hidden" name="name" value={event.name} />
          <label for={`payload-${event.key}`}>Payload (JSON, optional)</label>
          {eventProblem?.name === event.name ? (
            <>
              <textarea id={`payload-${event.key}`} name="payload" autofocus aria-invalid="true" aria-describedby={`payload-error-${event.key}`}>
                {eventProblem.payload}
              </textarea>
              <p class="error" role="alert" id={`payload-error-${event.key}`}>
                {eventProblem.message}
              </p>
            </>
          ) : (
            <textarea id={`payload-${event.key}`} name="payload"></textarea>
          )}
          <div class="buttons">
            <button class="primary" type="submit">
              Send event
            </button>
          </div>
        </form>
      ))}
      <h2>Input</h2>
      {run.inputRef ? <KeptValue bytes={run.inputRef.bytes} path={downloadPath(run.id, "input")} label="input" /> : <Json value={run.input} fold={`input`} />}
      {run.state !== null ? (
        <>
          <h2>State</h2>
          <p class="muted">What the body last published with setState(), as of its last completed event.</p>
          <Json value={run.state} fold="state" />
        </>
      ) : null}
      {run.status === "completed" ? (
        <>
          <h2>Output</h2>
          {run.outputRef ? <KeptValue bytes={run.outputRef.bytes} path={downloadPath(run.id, "output")} label="output" /> : <Json value={run.output} fold="output" />}
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
        <StepCard runId={run.id} step={step} now={now} restartable={ended && step.kind !== "patch" && step.kind !== "continue"} />
      ))}
    </div>
  );
};
