// The `baton` command line against the real API in workerd: what it prints, and the
// exit codes scripts rely on (0 done, 1 the run failed or the API said no, 2 bad usage).
import { describe, expect, it } from "vitest";
import { baton } from "./cli-runner.ts";
import { getRun, TOKEN, waitForRun } from "./helpers.ts";

describe("the baton CLI", () => {
  it("starts a run and follows it to its end, then shows it, lists it and prints its logs", async () => {
    const started = await baton(["start", "chatty", "--input", '{"name":"Ada"}', "--watch"]);
    expect(started.err).toEqual([]);
    expect(started.code).toBe(0);
    const id = /^started (\S+) \(chatty\)$/.exec(started.out[0] ?? "")?.[1] ?? "";
    expect(id).not.toBe("");
    expect(started.out.at(-1)).toBe('completed: {"greeting":"hello Ada","counted":2,"failed":"refused"}');
    // Progress between: status, steps done of all, the current step, the time so far.
    const progress = started.out.slice(1, -1);
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^\w+ · \d+\/\d+ steps done( · now .+)? · \d+\.\d s$/);
    expect(progress.at(-1)).toMatch(/^completed · 3\/3 steps done · /);

    const shown = await baton(["get", id]);
    expect(shown.code).toBe(0);
    expect(shown.out.join("\n")).toContain(`${id}  chatty  completed`);
    expect(shown.out.join("\n")).toContain("count#0 (2 attempts)");
    expect(shown.out.join("\n")).toContain("refuse#0 — Error: refused");

    const listed = await baton(["runs", "--workflow", "chatty", "--json"]);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out.join("\n")) as { runs: { id: string }[] }).runs.map((run) => run.id)).toContain(id);

    const logs = await baton(["logs", id]);
    expect(logs.code).toBe(0);
    expect(logs.out.join("\n").split("\n").map((line) => line.split(" ").slice(1).join(" "))).toEqual([
      "greet#0 #1 log   hello Ada",
      'greet#0 #1 warn  careful {"loud":true}',
      "count#0 #1 info  attempt 1",
      "count#0 #2 info  attempt 2",
      "refuse#0 #1 error refusing",
    ]);
    // Followed from the event stream, the same lines; a run still going is followed to its end.
    const followed = await baton(["logs", id, "-f"]);
    expect(followed.code).toBe(0);
    expect(followed.out.map((line) => line.split(" ").slice(1).join(" "))).toEqual(logs.out.join("\n").split("\n").map((line) => line.split(" ").slice(1).join(" ")));
    const live = /^started (\S+) /.exec((await baton(["start", "chatty", '{"name":"Bo"}'])).out[0] ?? "")?.[1] ?? "";
    const step = await baton(["logs", live, "greet#0", "--follow"]);
    expect(step.out.map((line) => line.split(" ").slice(1).join(" "))).toEqual(["greet#0 #1 log   hello Bo", 'greet#0 #1 warn  careful {"loud":true}']);
    const one = await baton(["logs", id, "refuse#0", "--json"]);
    expect((JSON.parse(one.out.join("\n")) as { key: string; logs: { message: string }[] }[]).map((step) => [step.key, step.logs.map((line) => line.message)])).toEqual([
      ["refuse#0", ["refusing"]],
    ]);
  });

  it("approves a waiting approval and cancels a waiting run", async () => {
    const first = await baton(["start", "approval", "--input", JSON.stringify({ tag: crypto.randomUUID() }), "--json"]);
    const id = (JSON.parse(first.out.join("\n")) as { id: string }).id;
    await waitForRun(id, (run) => run.approvals.length === 1);
    const approved = await baton(["approve", id, "approval#0", "--comment", "ship it"]);
    expect(approved).toMatchObject({ code: 0, out: ["approval#0: approved"] });
    expect((await waitForRun(id)).output).toMatchObject({ decision: { approved: true, comment: "ship it" } });

    const second = await baton(["start", "approval", "--input", JSON.stringify({ tag: crypto.randomUUID() }), "--json"]);
    const other = (JSON.parse(second.out.join("\n")) as { id: string }).id;
    await waitForRun(other, (run) => run.approvals.length === 1);
    expect(await baton(["cancel", other])).toMatchObject({ code: 0, out: [`${other}: cancelled`] });
    expect((await getRun(other)).status).toBe("cancelled");
    const again = await baton(["reject", other, "approval#0"]);
    expect(again.code).toBe(1);
    expect(again.err[0]).toMatch(/^baton: .*\(\w+, HTTP 409\)$/);
  });

  it("sends events with a payload", async () => {
    const started = await baton(["start", "events", "--input", '{"pause":0}', "--json"]);
    const id = (JSON.parse(started.out.join("\n")) as { id: string }).id;
    await waitForRun(id, (run) => run.events.length === 1);
    expect(await baton(["event", id, "ping", "--payload", '{"n":1}'])).toMatchObject({ code: 0, out: ["ping: delivered to ping#0"] });
    expect(await baton(["event", id, "ping", "--payload", '{"n":2}'])).toMatchObject({ code: 0 });
    expect((await waitForRun(id)).output).toMatchObject({ first: { n: 1 }, second: { n: 2 } });
    expect((await baton(["event", id, "ping", "--payload", "{bad"])).err[0]).toMatch(/^baton: --payload is not JSON/);
  });

  it("restarts a failed run from its failed step and follows it to its end", async () => {
    const first = await baton(["start", "restartable", "--input", JSON.stringify({ tag: crypto.randomUUID() }), "--watch"]);
    expect(first.code).toBe(1);
    const id = /^started (\S+)/.exec(first.out[0] ?? "")?.[1] ?? "";
    const again = await baton(["restart", id, "--watch"]);
    expect(again.out[0]).toMatch(new RegExp(`^started \\S+ \\(restart of ${id} from ship#0\\)$`));
    expect(again.out.at(-1)).toBe('completed: {"receipt":"r-1","parcel":"p-1"}');
    expect(again.code).toBe(0);
  });

  it("exits 1 when a watched run fails, and says why", async () => {
    const ran = await baton(["start", "errors", "--input", JSON.stringify({ rethrow: true }), "--watch"]);
    expect(ran.code).toBe(1);
    const [said, where] = (ran.out.at(-1) ?? "").split("\n");
    expect(said).toBe("failed: TypeError: the workflow gave up");
    // And where your code threw: the workflow's own frame, not Baton's.
    expect(where).toMatch(/^\s+at .*test\/workflows\/errors\.ts:\d+:\d+/);
  });

  it("exits 2 on bad usage and 1 on an API refusal, naming what to fix", async () => {
    expect(await baton([])).toMatchObject({ code: 2 });
    const unknown = await baton(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toBe('baton: no command "frobnicate"');
    expect((await baton(["runs", "--status", "nope"])).err[0]).toMatch(/^baton: --status must be one or more /);
    expect((await baton(["runs", "--limit", "many"])).err[0]).toBe("baton: --limit must be a whole number from 1 to 100");
    expect((await baton(["start", "chatty", "--input", "{oops"])).err[0]).toMatch(/^baton: --input is not JSON/);
    expect((await baton(["get"])).err[0]).toBe("baton: usage: baton get ID");
    const missing = await baton(["get", crypto.randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/\(run_not_found, HTTP 404\)$/);
    const noWorkflow = await baton(["start", "no-such-workflow"]);
    expect(noWorkflow.err[0]).toMatch(/\(workflow_not_found, HTTP 404\)$/);
  });

  it("sends no token to a remote deployment unless given one, and the API refuses it", async () => {
    const ran = await baton(["runs"], { BATON_URL: "https://baton.test" });
    expect(ran.code).toBe(1);
    expect(ran.err[0]).toMatch(/HTTP 401\)$/);
    const flagged = await baton(["runs", "--url", "https://baton.test", "--token", TOKEN], {});
    expect(flagged.code).toBe(0);
  });
});
