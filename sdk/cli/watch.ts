// Following a run from the command line, from its event stream (no polling): a progress
// line as its steps move, each wait announced once with the exact command that decides
// it, and — for `logs -f` — every line a step prints, as it is printed.

import type { BatonClient, RunDetail, RunEvent } from "../client/index.ts";
import { isTerminal, type RunStatus } from "../core/run-machine/statuses.ts";

/** Most often a progress line is printed while nothing else changes (its status, a wait). */
const PROGRESS_EVERY_MS = 500;

const SETTLED = new Set(["completed", "failed", "cancelled"]);

/**
 * Follows a run to its end, printing progress whenever it changes (at most every half
 * second unless the run's status changed); `tick` is awaited after each printed line.
 */
export async function watch(client: BatonClient, id: string, out: (line: string) => void, tick: () => Promise<void>): Promise<RunDetail> {
  const started = Date.now();
  const steps = new Map<string, string>();
  let status: RunStatus | string = "queued";
  let last = "";
  let printedAt = 0;
  let printedStatus = "";
  // Each wait is announced once, with the command that decides it.
  const announced = new Set<string>();
  const progress = (force: boolean): void => {
    const open = [...steps].filter(([, state]) => !SETTLED.has(state)).map(([key, state]) => `${key} (${state})`);
    const done = steps.size - open.length;
    const line = `${status} · ${done}/${steps.size} steps done${open.length > 0 ? ` · now ${open.slice(0, 3).join(", ")}${open.length > 3 ? " …" : ""}` : ""}`;
    if (line === last || (!force && status === printedStatus && Date.now() - printedAt < PROGRESS_EVERY_MS)) return;
    out(`${line} · ${((Date.now() - started) / 1000).toFixed(1)} s`);
    last = line;
    printedAt = Date.now();
    printedStatus = status;
  };
  for await (const event of client.events(id)) {
    if (event.type === "run.status") status = String(event.data.to);
    else if (event.type === "run.ended") status = String(event.data.status);
    else if (event.key !== undefined && event.type !== "log") steps.set(event.key, stepState(event));
    if (event.type === "step.waiting" && (event.data.for === "approval" || event.data.for === "event")) {
      progress(true);
      for (const wait of decisions(await client.get(id))) {
        if (announced.has(wait.key)) continue;
        announced.add(wait.key);
        for (const say of wait.lines) out(`  ${say}`);
      }
      await tick();
      continue;
    }
    const before = last;
    progress(event.type === "run.ended");
    if (last !== before) await tick();
  }
  const run = await client.get(id);
  status = run.status;
  progress(true);
  if (!isTerminal(run.status)) throw new Error(`the event stream of run ${id} ended while it is ${run.status}`);
  return run;
}

/** Where a step stands after `event` (a step's status, as the run detail names them). */
function stepState(event: RunEvent): string {
  switch (event.type) {
    case "step.completed":
    case "step.failed":
    case "step.cancelled":
    case "step.retrying":
    case "step.sleeping":
    case "step.waiting":
    case "step.queued":
      return event.type.slice("step.".length);
    default:
      return "running";
  }
}

/** What the run waits for that a person or a caller decides, each with the exact command that does it (and an approval's link). */
export function decisions(run: RunDetail): { key: string; lines: string[] }[] {
  const approvals = run.approvals.map((approval) => ({
    key: `approval:${approval.key}`,
    lines: [
      `waiting for approval "${approval.key}"${approval.message ? ` (${approval.message})` : ""}; decide it with`,
      `  npx baton approve ${run.id} ${approval.key}      (or: npx baton reject ${run.id} ${approval.key})`,
      ...(approval.approveUrl ? [`  or open ${approval.approveUrl}`] : []),
    ],
  }));
  const events = run.events.map((wait) => ({
    key: `event:${wait.key}`,
    lines: [`waiting for event "${wait.name}" (until ${wait.expiresAt}); send it with`, `  npx baton event ${run.id} ${wait.name} --payload '<json>'`],
  }));
  return [...approvals, ...events];
}

/** Prints every line the run's steps (or the step `key`) print, as they are printed, until the run ends. */
export async function followLogs(client: BatonClient, id: string, key: string | undefined, out: (line: string) => void): Promise<RunDetail> {
  for await (const event of client.events(id)) {
    if (event.type !== "log" || (key !== undefined && event.key !== key)) continue;
    out(`${event.at} ${event.key ?? ""} #${event.attempt ?? 0} ${String(event.data.level).padEnd(5)} ${String(event.data.message)}`);
  }
  return client.get(id);
}
