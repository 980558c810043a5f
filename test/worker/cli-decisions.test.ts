// The CLI leaves nothing silent: the input as a positional argument (a stray one refused),
// a watched run that waits for a person or an event says the exact command that decides
// it (and the approval link), and a run failed by a code change names the restart that
// runs it on the current code.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { baton as run } from "./cli-runner.ts";
import { flip } from "../hit.ts";
import { getRun, runStub, startRun, TOKEN, waitForRun } from "./helpers.ts";

const env = { BATON_URL: "https://baton.test", BATON_TOKEN: TOKEN };
/** The CLI against the test Worker; `meanwhile` acts between a watch's reads. */
const baton = (argv: string[], meanwhile?: (out: string[]) => Promise<void>) => run(argv, env, meanwhile);


describe("the CLI's start", () => {
  it("takes the input as the argument after the workflow", async () => {
    const started = await baton(["start", "sleeper", '{"seconds":0}']);
    expect(started.code).toBe(0);
    const id = /^started (\S+) /.exec(started.out[0] ?? "")?.[1] ?? "";
    expect((await getRun(id)).input).toEqual({ seconds: 0 });
  });

  it("refuses a stray argument, input given twice, or input that is not JSON, with exit 2, starting nothing", async () => {
    const stray = await baton(["start", "sleeper", "{}", "extra"]);
    expect(stray.code).toBe(2);
    expect(stray.err[0]).toBe('baton: unexpected argument "extra"; usage: baton start WORKFLOW [INPUT]');
    const twice = await baton(["start", "sleeper", "{}", "--input", "{}"]);
    expect(twice.code).toBe(2);
    expect(twice.err[0]).toMatch(/give the input once/);
    const bad = await baton(["start", "sleeper", "seconds=1"]);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/^baton: the input is not JSON/);
    expect((await baton(["get", "a", "b"])).err[0]).toBe('baton: unexpected argument "b"; usage: baton get ID');
  });
});

describe("a watched run that waits", () => {
  it("prints the command that decides an approval, and its link, once; deciding it ends the watch", async () => {
    const tag = crypto.randomUUID();
    let decided = false;
    const ran = await baton(["start", "approval", JSON.stringify({ tag }), "--watch"], async (out) => {
      const command = out.map((line) => /npx baton (approve \S+ \S+)/.exec(line)?.[1]).find(Boolean);
      if (command && !decided) {
        decided = true;
        expect((await baton(command.split(" "))).code).toBe(0);
      }
    });
    expect(ran.code).toBe(0);
    const id = /^started (\S+) /.exec(ran.out[0] ?? "")?.[1] ?? "";
    const lines = ran.out.join("\n");
    expect(lines).toContain(`waiting for approval "approval#0" (Ship ${tag}?); decide it with`);
    expect(lines).toContain(`npx baton approve ${id} approval#0      (or: npx baton reject ${id} approval#0)`);
    expect(lines).toMatch(/or open https:\/\/baton\.test\/approvals\/\S+/);
    expect(ran.out.filter((line) => line.includes("waiting for approval")).length).toBe(1);
  });

  it("prints the command that sends an event it waits for", async () => {
    let sent = 0;
    const ran = await baton(["start", "events", '{"pause":0}', "--watch"], async (out) => {
      const waits = out.filter((line) => line.includes('npx baton event')).length;
      if (waits > sent) {
        sent = waits;
        const id = /^started (\S+) /.exec(out[0] ?? "")?.[1] ?? "";
        expect((await baton(["event", id, "ping", "--payload", `{"n":${sent}}`])).code).toBe(0);
      }
    });
    expect(ran.code).toBe(0);
    const id = /^started (\S+) /.exec(ran.out[0] ?? "")?.[1] ?? "";
    expect(ran.out).toContain(`    npx baton event ${id} ping --payload '<json>'`);
    expect(ran.out.some((line) => /^ {2}waiting for event "ping" \(until .+\); send it with$/.test(line))).toBe(true);
  });
});

describe("a run failed by a code change", () => {
  it("names the restart from the diverged step, which then runs on the current code", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("drift", { tag });
    await waitForRun(id, (run) => run.status === "sleeping");
    flip(`${tag}:renamed`);
    await evictDurableObject(runStub(id));
    const failed = await waitForRun(id);
    expect(failed.error).toMatchObject({ name: "NonDeterminismError", fields: { divergedAt: "a#0" } });
    const shown = await baton(["get", id]);
    const hint = shown.out.join("\n").split("\n").find((line) => line.startsWith("restart it on the current code"));
    expect(hint).toBe(`restart it on the current code from the step that diverged: npx baton restart ${id} --from 'a#0'`);
    const restarted = await baton(["restart", id, "--from", "a#0", "--watch"]);
    expect(restarted.code).toBe(0);
    expect(restarted.out.at(-1)).toBe("completed: 2");
  });
});
