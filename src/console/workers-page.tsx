// The console's workers page: the workers you run that registered (queue, language,
// SDK, host, when last seen) and how much work waits on each queue.

import type { FC } from "hono/jsx";
import type { WorkersList } from "baton-workflows/client";
import { time } from "./format.ts";
import { Layout } from "./layout.tsx";

/** Every worker seen in the last week, and each queue's waiting and in-flight items. */
export const WorkersPage: FC<{ nonce: string; seen: WorkersList }> = ({ nonce, seen }) => (
  <Layout title="Workers" nonce={nonce}>
    <h1>Workers</h1>
    {seen.workers.length === 0 ? (
      <p class="muted">
        No worker has registered. Python workflows and scripts run in workers you run: <code>baton-worker FOLDER --url … --token …</code> (README, Workers you run).
      </p>
    ) : (
      <table class="workers">
        <thead>
          <tr>
            <th>Worker</th>
            <th>Queue</th>
            <th>Language</th>
            <th>SDK</th>
            <th>Host</th>
            <th>Serves</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {seen.workers.map((worker) => (
            <tr class={worker.online ? "online" : "offline"}>
              <td>
                <code>{worker.id.slice(0, 8)}</code> {worker.online ? "online" : "offline"}
              </td>
              <td>
                <code>{worker.queue}</code>
              </td>
              <td>{worker.language}</td>
              <td>{worker.sdk}</td>
              <td>{worker.host ?? "—"}</td>
              <td>
                {worker.workflows} workflows, {worker.scripts} scripts
              </td>
              <td>{time(worker.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {seen.queues.length > 0 ? (
      <>
        <h2>Queues</h2>
        <table class="queues">
          <thead>
            <tr>
              <th>Queue</th>
              <th>Waiting</th>
              <th>In flight</th>
              <th>Oldest waiting</th>
            </tr>
          </thead>
          <tbody>
            {seen.queues.map((queue) => (
              <tr>
                <td>
                  <code>{queue.queue}</code>
                </td>
                <td>{queue.waiting}</td>
                <td>{queue.inFlight}</td>
                <td>{queue.oldestWaitingAt ? time(queue.oldestWaitingAt) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    ) : null}
  </Layout>
);
