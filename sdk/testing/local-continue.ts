// continueAsNew under runLocally: a run that continues hands on to a successor engine
// (the same body, the new input, a fresh log, the same parent and the same end callback,
// so a parent's taskFlow waits for the chain's last run), and runLocally answers the
// chain's last run with every generation in `generations`.

import type { LocalRun } from "./types.ts";

/** What a chain of in-memory runs is made of: each run and the one it continued as. */
export interface ChainLink {
  readonly ended: unknown;
  readonly successor: ChainLink | undefined;
  view(): LocalRun;
}

/** The successor's id of the local run `id`: local-1 → local-1-g1 → local-1-g2 …, so a test reads the chain off the ids. */
export function localSuccessorId(id: string): string {
  const generation = /^(.*)-g(\d+)$/.exec(id);
  return generation ? `${generation[1]}-g${Number(generation[2]) + 1}` : `${id}-g1`;
}

/** The chain's current run: `run`, or the last successor it continued as. */
export function chainEnd<T extends ChainLink>(run: T): T {
  let last: ChainLink = run;
  while (last.successor) last = last.successor;
  return last as T;
}

/** The chain's last run as runLocally answers it: with `generations`, first to last, when `run` continued; else `run`'s own view. */
export function chainView(run: ChainLink): LocalRun {
  if (!run.successor) return run.view();
  const generations: LocalRun[] = [];
  for (let link: ChainLink | undefined = run; link; link = link.successor) generations.push(link.view());
  const last = generations[generations.length - 1] as LocalRun;
  return { ...last, generations };
}
