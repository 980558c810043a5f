// Debounced starts under `wrangler dev`, as a client outside the Worker makes them: five
// starts with one debounce key within the period make one run, which begins after the
// period and completes with the last start's input, also across a kill -9 of the server.
import { describe, expect, it } from "vitest";
import type { RunDetail, StartAnswer } from "../../sdk/client/index.ts";
import { useDevServer } from "./dev-server.ts";

const dev = useDevServer();

/** Five debounced starts of greet with one key, 200 ms apart, as Trigger.dev's debounce example makes them (delay "5s"): their answers. */
async function fiveStarts(key: string): Promise<StartAnswer[]> {
  const answers: StartAnswer[] = [];
  for (const name of ["a", "b", "c", "d", "e"]) {
    answers.push(await dev.client.start("greet", { name }, { debounce: { key, period: "5s" } }));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return answers;
}

/** The run once it has ended. */
async function ended(id: string): Promise<RunDetail> {
  for (;;) {
    const run = await dev.client.get(id);
    if (run.status === "completed" || run.status === "failed" || run.status === "cancelled") return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("debounce under wrangler dev", () => {
  it("five starts with one key within the period make one run that completes with the last input", async () => {
    const answers = await fiveStarts(`dev-${crypto.randomUUID()}`);
    const id = answers[0]!.id;
    expect(answers.map((answer) => [answer.id, answer.debounced])).toEqual([[id, false], [id, true], [id, true], [id, true], [id, true]]);
    const pending = await dev.client.get(id);
    expect(pending).toMatchObject({ status: "queued", input: { name: "e" } });
    const done = await ended(id);
    expect(done).toMatchObject({ status: "completed", output: { greeting: "hello e" } });
    expect(Date.parse(done.updatedAt)).toBeGreaterThanOrEqual(Date.parse(pending.startsAt ?? ""));
    const page = await dev.client.list({ workflow: "greet", limit: 100 });
    expect(page.runs.filter((run) => answers.some((answer) => answer.id === run.id))).toHaveLength(1);
  }, 60_000);

  it("keeps the pending run across a kill -9 of the dev.server, and runs it with the last input", async () => {
    const answers = await fiveStarts(`killed-${crypto.randomUUID()}`);
    const id = answers[0]!.id;
    await dev.server.kill();
    await dev.server.restart();
    expect(await ended(id)).toMatchObject({ status: "completed", output: { greeting: "hello e" } });
  }, 120_000);
});
