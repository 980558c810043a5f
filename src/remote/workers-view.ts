// GET /api/workers and the console's workers page: the workers that registered, most
// recently seen first, and how much work waits on each of their queues.

import type { WorkersList } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { directoryOf } from "./remote-catalog.ts";

/** How long after its last registration a worker counts as online (it registers every 15 s). */
export const ONLINE_MS = 45_000;

/** The workers seen in the last week and their queues' load. */
export async function workersSeen(env: Env): Promise<WorkersList> {
  const directory = directoryOf(env);
  if (!directory || !env.WORK_QUEUES) return { workers: [], queues: [] };
  const workers = await directory.workers();
  const names = [...new Set(workers.map((worker) => worker.queue))].sort();
  const queues = await Promise.all(
    names.map(async (queue) => {
      const load = await env.WORK_QUEUES!.get(env.WORK_QUEUES!.idFromName(queue)).load();
      return { queue, waiting: load.waiting, inFlight: load.inFlight, oldestWaitingAt: load.oldestWaitingAt === null ? null : new Date(load.oldestWaitingAt).toISOString() };
    }),
  );
  const now = Date.now();
  return {
    workers: workers.map((worker) => ({
      ...worker,
      online: now - worker.lastSeen < ONLINE_MS,
      firstSeen: new Date(worker.firstSeen).toISOString(),
      lastSeen: new Date(worker.lastSeen).toISOString(),
    })),
    queues,
  };
}
