// One step's own page, linked from its card on the run page: what the run page cuts
// short, all of its output, every attempt with its timings and every line it printed.

import { href } from "../host.ts";
import type { FC } from "hono/jsx";
import type { StepDetail } from "baton-workflows/client";
import { duration, ms, pretty, time } from "./format.ts";
import { Layout, Status } from "./layout.tsx";
import { ErrorBlock, Logs } from "./blocks.tsx";
import { downloadPath, KeptValue } from "./kept-value.tsx";

/** One step alone, with all of its output, every attempt and every line it printed. */
export const StepPage: FC<{ nonce: string; runId: string; step: StepDetail; now: number }> = ({ nonce, runId, step, now }) => (
  <Layout title={step.key} nonce={nonce}>
    <p>
      <a href={href(`/runs/${runId}`)}>← run {runId}</a>
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
        {step.outputRef ? <KeptValue bytes={step.outputRef.bytes} path={downloadPath(runId, { step: step.key })} label="output" /> : <pre>{pretty(step.output)}</pre>}
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
