// The console's pages other than a run's: sign-in, the run list, the workflows with
// their start forms, and a page for anything that went wrong.

import { href } from "../host.ts";
import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import type { RunPage, RunStatus, RunSummary, WorkflowEntry } from "baton-workflows/client";
import { isTerminal, RUN_STATUSES } from "baton-workflows/engine";
import { duration, time } from "./format.ts";
import { Layout, Status } from "./layout.tsx";
import { registry } from "../registry.ts";
import { exampleOf } from "./schema-example.ts";

/** The sign-in form; `problem` says why the last try failed. */
export const SignInPage: FC<{ nonce: string; next: string; problem?: string | undefined; unavailable?: string | null }> = ({ nonce, next, problem, unavailable }) => (
  <Layout title="Sign in" nonce={nonce} nav={false}>
    <form class="signin" method="post" action={href("/sign-in")}>
      <h1>Baton</h1>
      {unavailable ? <p class="notice bad">{unavailable}</p> : null}
      {problem ? (
        <p class="notice bad" role="alert">
          {problem}
        </p>
      ) : null}
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <input type="hidden" name="next" value={next} />
      <button class="primary" type="submit">
        Sign in
      </button>
    </form>
  </Layout>
);

/** The filters and page the run list shows. */
export interface ListView {
  workflow: string | undefined;
  status: RunStatus | undefined;
  cursor: string | undefined;
  workflows: string[];
  now: number;
  /** The run just deleted from its page, said once at the top. */
  deleted?: string | undefined;
}

/** Runs newest first, filtered by workflow and status, a page at a time. */
export const RunListPage: FC<{ nonce: string; page: RunPage; view: ListView }> = ({ nonce, page, view }) => {
  const query = listQuery(view);
  return (
    <Layout title="Runs" nonce={nonce}>
      <h1>Runs</h1>
      {view.deleted ? (
        <p class="notice" role="status">
          Run <code>{view.deleted}</code> was deleted, with its steps, outputs and logs.
        </p>
      ) : null}
      <form class="filters" method="get" action={href("/")}>
        <div>
          <label for="workflow">Workflow</label>
          <select id="workflow" name="workflow">
            <option value="">any</option>
            {view.workflows.map((name) => (
              <option value={name} selected={name === view.workflow}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            <option value="">any</option>
            {RUN_STATUSES.map((status) => (
              <option value={status} selected={status === view.status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      <div id="runs" data-stream={view.cursor ? undefined : href(`/stream${query({}).slice(href("/").length)}`)}>
        <RunList page={page} view={view} query={query} />
      </div>
      {view.cursor ? null : <script nonce={nonce}>{raw(LIST_SCRIPT)}</script>}
    </Layout>
  );
};

/** The list itself and its pager: what the first page swaps in when runs change. */
export const RunList: FC<{ page: RunPage; view: ListView; query: (extra: Record<string, string | undefined>) => string }> = ({ page, view, query }) => (
  <>
      {page.runs.length === 0 ? (
        <p class="muted">{view.workflow || view.status ? "No runs match these filters." : "No runs yet. Start one from Workflows."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Parent</th>
            </tr>
          </thead>
          <tbody>
            {page.runs.map((run) => (
              <RunRow run={run} now={view.now} />
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager">
        {view.cursor ? <a href={query({})}>First page</a> : null}
        {page.nextCursor ? <a href={query({ cursor: page.nextCursor })}>Next page</a> : null}
      </nav>
  </>
);

/** The links of the list page for `view`, with `extra` query parameters. */
export function listQuery(view: ListView): (extra: Record<string, string | undefined>) => string {
  return (extra) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ workflow: view.workflow, status: view.status, ...extra })) if (value) params.set(name, value);
    const text = params.toString();
    return href(text ? `/?${text}` : "/");
  };
}

// The first page follows the all-runs stream (filtered as the page is): after a burst
// of run events it reads itself afresh and swaps in the list. No polling.
const LIST_SCRIPT = `(() => {
  const root = document.getElementById("runs");
  if (!root || !root.dataset.stream) return;
  let queued = false;
  const refresh = async () => {
    queued = false;
    try {
      // The list alone (no head, no style element): the page's own policy then applies to nothing new.
      const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { "X-Baton-Fragment": "runs" } });
      if (!response.ok) return;
      const html = await response.text();
      if (html !== root.innerHTML) root.innerHTML = html;
    } catch {}
  };
  const stream = new EventSource(root.dataset.stream);
  stream.onmessage = () => {
    if (queued) return;
    queued = true;
    setTimeout(refresh, 250);
  };
})();`;

const RunRow: FC<{ run: RunSummary; now: number }> = ({ run, now }) => {
  const started = Date.parse(run.createdAt);
  const ended = isTerminal(run.status);
  const took = (ended ? Date.parse(run.updatedAt) : now) - started;
  return (
    <tr>
      <td>
        <a href={href(`/runs/${run.id}`)}>{run.workflow}</a>
        <div class="muted">
          <code>{run.id}</code>
        </div>
      </td>
      <td>
        <Status status={run.status} />
      </td>
      <td>{time(run.createdAt)}</td>
      <td>{ended ? duration(took) : `${duration(took)} so far`}</td>
      <td>{run.parentId ? <a href={href(`/runs/${run.parentId}`)}>{run.parentId.slice(0, 8)}…</a> : <span class="muted">—</span>}</td>
    </tr>
  );
};

/** What a start form sent and why it was refused, to show it again. */
export interface StartProblem {
  workflow: string;
  input: string;
  message: string;
}

/** Every workflow and script with its version, each with a form that starts a run. */
export const WorkflowsPage: FC<{ nonce: string; entries: WorkflowEntry[]; problem?: StartProblem | undefined }> = ({ nonce, entries, problem }) => (
  <Layout title="Workflows" nonce={nonce}>
    <h1>Workflows</h1>
    {entries.length === 0 && registry.buildFailures().length === 0 ? <p class="muted">No workflows are deployed. Add a file under workflows/ and deploy.</p> : null}
    {registry.buildFailures().map(([name, failure]) => (
      <section class="workflow broken" id={`wf-${name}`}>
        <h2>{name}</h2>
        <p class="error">
          Does not build: <code>{`${failure.file}:${failure.line}:${failure.column}`}</code>
        </p>
        <pre>{failure.message}</pre>
        {problem?.workflow === name ? (
          <p class="error" role="alert">
            {problem.message}
          </p>
        ) : null}
        <p class="muted">Starts answer 503 workflow_build_failed until the file builds; fix it and save.</p>
      </section>
    ))}
    {entries.map((entry) => {
      const mine = problem?.workflow === entry.name ? problem : undefined;
      return (
        <section class="workflow" id={`wf-${entry.name}`}>
          <form method="post" action={href("/workflows/start")}>
            <fieldset>
              <legend>
                <h2>{entry.name}</h2>
              </legend>
              <p class="muted">
                {entry.kind} · {entry.language}
                {entry.queue ? (
                  <>
                    {" "}
                    on queue <code>{entry.queue}</code> (a worker seen {time(entry.workerSeenAt)})
                  </>
                ) : null}{" "}
                · version <code>{entry.version}</code>
              </p>
              {entry.schedule ? (
                <p class="schedule">
                  Runs on <code>{entry.schedule.cron}</code> ({entry.schedule.timezone}
                  {entry.schedule.overlap === "allow" ? ", overlapping" : ", skipped while the last one runs"}) · next {time(entry.schedule.next)}
                  {entry.schedule.last ? (
                    <>
                      {" "}
                      · last tick {time(entry.schedule.last.scheduledAt)}{" "}
                      {entry.schedule.last.outcome === "started" ? "started " : "skipped for "}
                      <a href={href(`/runs/${entry.schedule.last.runId}`)}>{entry.schedule.last.runId.slice(0, 8)}</a>
                    </>
                  ) : null}
                </p>
              ) : null}
              <input type="hidden" name="workflow" value={entry.name} />
              <label for={`input-${entry.name}`}>{entry.kind === "script" ? "Arguments (JSON)" : "Input (JSON)"}</label>
              {/* Refused: focused, so the page opens at this form and its error rather than at the top. */}
              <textarea id={`input-${entry.name}`} name="input" placeholder="{}" autofocus={mine ? true : undefined} aria-invalid={mine ? "true" : undefined}>
                {mine?.input ?? (entry.inputSchema ? JSON.stringify(exampleOf(entry.inputSchema), null, 2) : "")}
              </textarea>
              {entry.inputSchema ? (
                <details class="input-schema">
                  <summary>Input schema</summary>
                  <pre>{JSON.stringify(entry.inputSchema, null, 2)}</pre>
                </details>
              ) : null}
              {mine ? (
                <p class="error" role="alert">
                  {mine.message}
                </p>
              ) : null}
              <button class="primary" type="submit">
                Start
              </button>
            </fieldset>
          </form>
        </section>
      );
    })}
  </Layout>
);

/** A page saying what went wrong, with a way back. */
export const MessagePage: FC<{ nonce: string; title: string; text: string; nav?: boolean }> = ({ nonce, title, text, nav = true }) => (
  <Layout title={title} nonce={nonce} nav={nav}>
    <h1>{title}</h1>
    <p class="notice bad">{text}</p>
    <p>
      <a href={href("/")}>Back to the runs</a>
    </p>
  </Layout>
);

/** Asks before deleting an ended run: what goes, and that it cannot be undone. */
export const DeleteConfirmPage: FC<{ nonce: string; run: { id: string; workflow: string; status: RunStatus }; steps: number }> = ({ nonce, run, steps }) => (
  <Layout title="Delete the run?" nonce={nonce}>
    <h1>Delete the run?</h1>
    <p>
      Run <code>{run.id}</code> of <strong>{run.workflow}</strong> ({run.status}) and its {steps} step{steps === 1 ? "" : "s"}, their outputs and logs are removed for good.
    </p>
    <form class="actions" method="post" action={href(`/runs/${run.id}/delete`)}>
      <input type="hidden" name="confirm" value="yes" />
      <button class="danger" type="submit">
        Delete it
      </button>
      <a href={href(`/runs/${run.id}`)}>Keep it</a>
    </form>
  </Layout>
);
