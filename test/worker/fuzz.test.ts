// No 500 from input: every route of /api/openapi.json and every console and approval
// form, asked with malformed bodies (cut off, not JSON, not UTF-8, wrong types, huge,
// deep, 1e400), control and right-to-left characters, path tricks in ids and keys, bad
// queries and headers and wrong methods, answers 4xx; every API refusal carries a stable
// error.code; signed event URLs' tokens and bodies are fuzzed alike; and none of it changes a run, starts one or wakes a run object.
import { env, listDurableObjectIds, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunDetail } from "baton-workflows/client";
import { Browser, ORIGIN } from "./console-browser.ts";
import { api, getRun, TOKEN, waitForRun } from "./helpers.ts";

interface Fixture {
  sleeping: string;
  ended: string;
  approving: string;
  approveUrl: string;
}

let fixture: Fixture;

/** What the fuzz must leave as it was: every run's status and steps, and how many run objects exist. */
async function snapshot(): Promise<string> {
  const list = (await (await api("/api/runs?limit=100")).json()) as { runs: { id: string; status: string }[] };
  const details = await Promise.all([fixture.sleeping, fixture.ended, fixture.approving].map(getRun));
  const shape = (run: RunDetail) => ({ status: run.status, steps: run.steps.map((step) => [step.key, step.status]), inbox: run.inbox.length, stepCount: run.stepCount });
  return JSON.stringify({ runs: list.runs.map((run) => [run.id, run.status]), details: details.map(shape), objects: (await listDurableObjectIds(env.RUNS)).length });
}

const MULTIPART_CUT = "--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc";
const INVALID_UTF8 = new Uint8Array([0x7b, 0x22, 0x70, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

/** Bodies no route takes: each must be refused before anything changes. */
const BAD_BODIES: { name: string; body: BodyInit; type: string }[] = [
  { name: "cut-off JSON", body: '{"workflow":"sleeper","inp', type: "application/json" },
  { name: "an array", body: "[]", type: "application/json" },
  { name: "null", body: "null", type: "application/json" },
  { name: "a string", body: '"x"', type: "application/json" },
  { name: "1e400 alone", body: "1e400", type: "application/json" },
  { name: "1e400 inside", body: '{"workflow":"sleeper","input":{"n":1e400},"payload":-1e400,"args":1e400,"approved":true,"fromStep":"after#0"}', type: "application/json" },
  { name: "600 deep", body: `{"workflow":"sleeper","input":${deep(600)},"payload":${deep(600)},"args":${deep(600)}}`, type: "application/json" },
  { name: "10,000 deep", body: deep(10_000), type: "application/json" },
  { name: "wrong types", body: '{"workflow":1,"input":{},"payload":{},"args":[],"approved":"yes","comment":5,"by":[],"fromStep":7}', type: "application/json" },
  { name: "an unknown field", body: '{"zzz":1}', type: "application/json" },
  { name: "control and RTL characters", body: JSON.stringify({ workflow: "\u0000\u0007\u001b\u202e", fromStep: "\r\n\u202e", approved: "\u0000", zzz: "\u2066" }), type: "application/json" },
  { name: "invalid UTF-8", body: INVALID_UTF8, type: "application/json" },
  // Over 1 MiB and malformed: the Worker here has a BATON_PAYLOADS bucket, so 1 MiB is no limit (events.test.ts streams one over 100 MB; no-payloads.test.ts sends 1 MiB without it).
  { name: "over 1 MiB, with a stray field", body: `{"payload":"${"x".repeat(1_100_000)}","stray":1}`, type: "application/json" },
  { name: "a cut-off multipart form", body: MULTIPART_CUT, type: "multipart/form-data; boundary=b" },
  { name: "a form", body: "workflow=sleeper&input=1", type: "application/x-www-form-urlencoded" },
];

/** Starts whose debounce or singleton option is malformed, or combined where it may not be: each refused before any gate is reached. */
const BAD_FLOW_STARTS: { name: string; body: string; headers?: Record<string, string> }[] = [
  { name: "debounce a string", body: '{"workflow":"sleeper","input":{},"debounce":"5 seconds"}' },
  { name: "debounce of wrong types", body: '{"workflow":"sleeper","input":{},"debounce":{"key":1,"period":[],"maxDelay":{}}}' },
  { name: "a period of 0", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":0}}' },
  { name: "a period of -0", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":-0}}' },
  { name: "a period of ten thousand years", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":"10000 years"}}' },
  { name: "a period with control characters", body: JSON.stringify({ workflow: "sleeper", input: {}, debounce: { key: "k", period: "5\u0000 seconds\u202e" } }) },
  { name: "a debounce key with RTL characters", body: JSON.stringify({ workflow: "sleeper", input: {}, debounce: { key: "k\u202e", period: 5 } }) },
  { name: "a 300-character debounce key", body: JSON.stringify({ workflow: "sleeper", input: {}, debounce: { key: "k".repeat(300), period: 5 } }) },
  { name: "an unknown debounce field", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":5,"leading":true}}' },
  { name: "singleton null", body: '{"workflow":"sleeper","input":{},"singleton":null}' },
  { name: "an unknown singleton mode", body: '{"workflow":"sleeper","input":{},"singleton":{"key":"k","mode":"queue"}}' },
  { name: "debounce with singleton", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":5},"singleton":{"key":"k","mode":"skip"}}' },
  { name: "debounce with an Idempotency-Key", body: '{"workflow":"sleeper","input":{},"debounce":{"key":"k","period":5}}', headers: { "Idempotency-Key": "fuzz-flow" } },
  { name: "singleton of a workflow no one has", body: '{"workflow":"..%2F","input":{},"singleton":{"key":"k","mode":"skip"}}' },
];

/** Batches malformed as a whole: each refused before any item starts. */
const BAD_BATCHES: { name: string; body: string }[] = [
  { name: "no runs", body: "{}" },
  { name: "empty runs", body: '{"runs":[]}' },
  { name: "runs an object", body: '{"runs":{"workflow":"sleeper"}}' },
  { name: "runs null", body: '{"runs":null}' },
  { name: "runs 1e400", body: '{"runs":1e400}' },
  { name: "1,001 items", body: JSON.stringify({ runs: Array.from({ length: 1001 }, () => ({ workflow: "sleeper", input: { tag: "fuzz", seconds: 1 } })) }) },
  { name: "an unknown field beside runs", body: '{"runs":[{"workflow":"sleeper","input":{"tag":"fuzz","seconds":1}}],"traceparent":"x"}' },
  { name: "over 8 MiB", body: JSON.stringify({ runs: [{ workflow: "sleeper", input: { tag: "x".repeat(8_500_000) } }] }) },
];

const TRICKY_IDS = ["never-started", "..", "%2e%2e", "a%2Fb", "%00", "x".repeat(200), "%E2%80%AE", "%0d%0a", "'%20OR%201=1", "%F0%9F%92%A9", "%ZZ"];
const TRICKY_KEYS = ["after%230", "%2e%2e%2f%2e%2e", "x".repeat(3000), "%00", "%E2%80%AE", "%ZZ", "a#0"];
const TRICKY_NAMES = ["go", "has%20space", "%0a", "x".repeat(300), "%E2%80%AE", "..", "%ZZ"];
const BAD_QUERIES = [
  "limit=99999999999999999999",
  "limit=-1",
  "limit=1e400",
  "limit=abc",
  "cursor=%ZZ",
  `cursor=${btoa(JSON.stringify([1e300 * 1e300, "x"]))}`,
  `cursor=${btoa(JSON.stringify({ o: 1e20 }))}`,
  `cursor=${btoa(JSON.stringify([99999999999999999999, "x"]))}`,
  "createdAfter=99999-99-99",
  "createdBefore=%00",
  "status=bogus,,",
  "status=",
  "parentId=..%2F..",
  "unknown=1",
];
const BAD_KEYS = [" ", "x".repeat(300), "a b", "tab\there"];
const WRONG_METHODS = ["PUT", "PATCH", "DELETE", "GET", "POST", "OPTIONS"];

/** Sends a request, answering its status and, for an API refusal, its error code; a request fetch itself refuses to send is skipped (null). */
async function ask(path: string, init: RequestInit = {}): Promise<{ status: number; code: string | null; type: string } | null> {
  const headers = new Headers(init.headers);
  if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${TOKEN}`);
  let response: Response;
  try {
    response = await SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" });
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  let code: string | null = null;
  if (type.includes("application/json") && response.status >= 400) code = ((JSON.parse(text) as { error?: { code?: unknown } }).error?.code as string | undefined) ?? null;
  return { status: response.status, code, type };
}

/** Every request the API fuzz makes, described, with its route. */
function apiRequests(): { what: string; path: string; init: RequestInit }[] {
  const { sleeping, ended } = fixture;
  const out: { what: string; path: string; init: RequestInit }[] = [];
  const add = (what: string, path: string, init: RequestInit = {}) => out.push({ what, path, init });
  const withBody = (method: string, path: string) => {
    for (const bad of BAD_BODIES) add(`${method} ${path} with ${bad.name}`, path, { method, body: bad.body, headers: { "Content-Type": bad.type } });
  };
  // Routes that read a body, at real runs (where a good body would change something) and at tricky ids.
  withBody("POST", "/api/runs");
  withBody("POST", "/api/runs/batch");
  for (const bad of BAD_FLOW_STARTS) add(`POST /api/runs with ${bad.name}`, "/api/runs", { method: "POST", body: bad.body, headers: { "Content-Type": "application/json", ...bad.headers } });
  for (const bad of BAD_BATCHES) add(`POST /api/runs/batch with ${bad.name}`, "/api/runs/batch", { method: "POST", body: bad.body, headers: { "Content-Type": "application/json" } });
  withBody("POST", "/api/scripts/scripts/double/runs");
  withBody("POST", "/api/scripts/..%2F..%2Fetc/runs");
  for (const id of [sleeping, ended, ...TRICKY_IDS.slice(0, 3)]) {
    withBody("POST", `/api/runs/${id}/restart`);
    withBody("POST", `/api/runs/${id}/events/go`);
    withBody("POST", `/api/runs/${id}/updates/go`);
    withBody("POST", `/api/runs/${id}/approvals/approval%230`);
    // A cancel's body is optional, but one that is there must fit ({ rollback?: boolean }) or nothing is cancelled.
    withBody("POST", `/api/runs/${id}/cancel`);
    add(`cancel ${id} with rollback "yes"`, `/api/runs/${id}/cancel`, { method: "POST", body: '{"rollback":"yes"}', headers: { "Content-Type": "application/json" } });
  }
  for (const name of TRICKY_NAMES) add(`event name ${name}`, `/api/runs/${sleeping}/events/${name}`, { method: "POST", body: '{"payload":{"n":1e400}}', headers: { "Content-Type": "application/json" } });
  // Updates: tricky names at a real run (which defines none: nothing is recorded) and tricky update ids.
  for (const name of TRICKY_NAMES) add(`update name ${name}`, `/api/runs/${sleeping}/updates/${name}`, { method: "POST", body: '{"arg":{"n":1e400}}', headers: { "Content-Type": "application/json" } });
  for (const id of [sleeping, ended, ...TRICKY_IDS.slice(0, 3)]) for (const updateId of [...TRICKY_KEYS.slice(0, 4), "00000000-0000-4000-8000-000000000000"]) add(`GET update ${updateId} of ${id}`, `/api/runs/${id}/updates/${updateId}`);
  for (const key of BAD_KEYS) {
    for (const path of ["/api/runs", `/api/runs/${ended}/restart`, `/api/runs/${sleeping}/events/go`, `/api/runs/${sleeping}/updates/go`]) {
      add(`Idempotency-Key ${JSON.stringify(key.slice(0, 10))} on ${path}`, path, { method: "POST", body: '{"workflow":"sleeper","input":{"tag":"fuzz","seconds":1},"payload":1}', headers: { "Content-Type": "application/json", "Idempotency-Key": key } });
    }
  }
  // Reads and bodiless actions at tricky ids, keys and queries (never at the real runs: a cancel or delete there would be a real one).
  for (const id of TRICKY_IDS) {
    for (const suffix of ["", "/steps", "/steps/after%230", "/events", "/input", "/output", "/steps/after%230/output"]) add(`GET run ${id}${suffix}`, `/api/runs/${id}${suffix}`);
    add(`stream events of ${id}`, `/api/runs/${id}/events`, { headers: { Accept: "text/event-stream" } });
    add(`cancel ${id}`, `/api/runs/${id}/cancel`, { method: "POST" });
    add(`pause ${id}`, `/api/runs/${id}/pause`, { method: "POST" });
    add(`resume ${id}`, `/api/runs/${id}/resume`, { method: "POST" });
    add(`delete ${id}`, `/api/runs/${id}`, { method: "DELETE" });
  }
  for (const key of TRICKY_KEYS) add(`GET step ${key}`, `/api/runs/${sleeping}/steps/${key}`);
  // Queries: tricky names and args at real runs (a sleeping one, and an ended one its log is replayed for) and tricky ids.
  for (const id of [sleeping, ended, ...TRICKY_IDS.slice(0, 3)]) {
    for (const name of TRICKY_NAMES) add(`query ${name} of ${id}`, `/api/runs/${id}/queries/${name}`);
    for (const arg of ["{", "%ZZ", "1e400", encodeURIComponent(deep(600)), "x".repeat(9000), "undefined", "", "%00"]) add(`query arg ${arg.slice(0, 10)} of ${id}`, `/api/runs/${id}/queries/go?arg=${arg}`);
  }
  // The downloads of kept values: of a run not completed, of a step not there or not completed.
  for (const key of TRICKY_KEYS) add(`GET step output ${key}`, `/api/runs/${sleeping}/steps/${key}/output`);
  for (const path of ["/output", "/steps/nope%230/output", "/steps/sleep%230/output"]) add(`GET ${path} of ${sleeping}`, `/api/runs/${sleeping}${path}`);
  add(`GET a missing step's output of ${ended}`, `/api/runs/${ended}/steps/nope%230/output`);
  for (const query of BAD_QUERIES) {
    add(`list ?${query}`, `/api/runs?${query}`);
    add(`steps ?${query}`, `/api/runs/${sleeping}/steps?${query}`);
    add(`events ?${query}`, `/api/runs/${sleeping}/events?${query}`);
  }
  // Streams that would stay open are not asked for here (run-events.test.ts reads them); these must be refused.
  for (const query of ["status=asleep", "workflow=", "after=1.2", "status=", "tail=1"]) add(`stream ?${query}`, `/api/runs/stream?${query}`, { headers: { Accept: "text/event-stream" } });
  for (const id of ["x", "-1", "1e400", "1.5"]) add(`events Last-Event-ID ${id}`, `/api/runs/${sleeping}/events`, { headers: { Accept: "text/event-stream", "Last-Event-ID": id } });
  // A malformed Authorization header (not counted as a wrong token) on the routes that take nothing else.
  for (const path of ["/api/workflows", "/api/runs", `/api/runs/${sleeping}`]) add(`malformed Authorization on ${path}`, path, { headers: { Authorization: "Bearer a b" } });
  // The worker protocol, with the worker token: bodies no route takes, queues and claims it never handed out.
  const worker = { Authorization: "Bearer test-worker-token" };
  for (const path of ["/api/worker/v1/register", "/api/worker/v1/queues/python/poll", "/api/worker/v1/queues/..%2Fx/poll", "/api/worker/v1/claims/x/complete"]) {
    for (const bad of BAD_BODIES) add(`POST ${path} with ${bad.name}`, path, { method: "POST", body: bad.body, headers: { ...worker, "Content-Type": bad.type } });
  }
  const forged = btoa(JSON.stringify({ q: "python", i: `act:${sleeping}`, c: "forged", r: sleeping, k: "activation" }));
  for (const claim of ["x", "%00", "%ZZ", forged, "x".repeat(2000)]) {
    add(`heartbeat ${claim.slice(0, 10)}`, `/api/worker/v1/claims/${claim}/heartbeat`, { method: "POST", headers: worker });
    add(`complete ${claim.slice(0, 10)}`, `/api/worker/v1/claims/${claim}/complete`, { method: "POST", body: '{"commands":[]}', headers: { ...worker, "Content-Type": "application/json" } });
    for (const cursor of ["0", "-1", "1e400", "abc"]) add(`log ${claim.slice(0, 10)} ?cursor=${cursor}`, `/api/worker/v1/claims/${claim}/log?cursor=${cursor}`, { headers: worker });
  }
  add("malformed Authorization on /api/workers", "/api/workers", { headers: { Authorization: "Bearer a b" } });
  // Wrong methods on every route, at a tricky id.
  const routes: [string, string[]][] = [
    ["/api/runs", ["GET", "POST"]],
    // GET and DELETE reach the run-id routes ("batch" is a run id no run has: 404).
    ["/api/runs/batch", ["POST"]],
    ["/api/runs/never", ["GET", "DELETE"]],
    ["/api/runs/never/steps", ["GET"]],
    ["/api/runs/never/steps/a%230", ["GET"]],
    ["/api/runs/never/steps/a%230/output", ["GET"]],
    ["/api/runs/never/input", ["GET"]],
    ["/api/runs/never/output", ["GET"]],
    ["/api/runs/never/events", ["GET"]],
    ["/api/runs/never/cancel", ["POST"]],
    ["/api/runs/never/pause", ["POST"]],
    ["/api/runs/never/resume", ["POST"]],
    ["/api/runs/never/restart", ["POST"]],
    ["/api/runs/never/events/go", ["POST"]],
    ["/api/runs/never/queries/q", ["GET"]],
    ["/api/runs/never/updates/u", ["POST", "GET"]],
    ["/api/runs/never/approvals/a%230", ["POST"]],
    ["/api/workflows", ["GET"]],
    ["/api/openapi.json", ["GET"]],
    ["/api/scripts/x/runs", ["POST"]],
    ["/api/workers", ["GET"]],
  ];
  for (const [path, takes] of routes) {
    for (const method of WRONG_METHODS.filter((m) => !takes.includes(m))) add(`${method} ${path}`, path, method === "GET" || method === "OPTIONS" ? { method } : { method, body: "{", headers: { "Content-Type": "application/json" } });
  }
  return out;
}

beforeAll(async () => {
  const started = async (workflow: string, input: unknown) => {
    const response = await api("/api/runs", { method: "POST", json: { workflow, input } });
    return ((await response.json()) as { id: string }).id;
  };
  const sleeping = await started("sleeper", { tag: "fuzz", seconds: 3600 });
  const ended = await started("chain", { tag: "fuzz", n: 1 });
  const approving = await started("approval", { tag: "fuzz" });
  await waitForRun(sleeping, (run) => run.status === "sleeping");
  await waitForRun(ended);
  const waiting = await waitForRun(approving, (run) => run.status === "waiting");
  fixture = { sleeping, ended, approving, approveUrl: waiting.approvals[0]?.approveUrl ?? "" };
});

describe("fuzzing the API", () => {
  it("every route of the OpenAPI document is covered", async () => {
    const document = (await (await api("/api/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const covered = new Set(apiRequests().map(({ path, init }) => `${init.method ?? "GET"} ${path.replace(/\?.*$/, "")}`));
    // The document itself takes nothing that could be malformed.
    for (const [path, operations] of Object.entries(document.paths).filter(([path]) => path !== "/api/openapi.json")) {
      for (const method of Object.keys(operations)) {
        const pattern = new RegExp(`^${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "[^/]+(?:/[^/]+)*")}$`);
        expect([method, path, [...covered].some((request) => pattern.test(request))]).toEqual([method, path, true]);
      }
    }
  });

  it("answers every malformed request with 4xx and a stable error code, changing nothing", async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const { what, path, init } of apiRequests()) {
      const answer = await ask(path, init);
      if (!answer) continue;
      if (answer.status >= 500 || answer.status < 400) failures.push(`${what}: ${answer.status}`);
      else if (!answer.code || !/^[a-z_]+$/.test(answer.code)) failures.push(`${what}: ${answer.status} without an error code (${answer.type})`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it("answers each batch item with a malformed debounce or singleton option as 400 on its own, starting nothing", async () => {
    const before = await snapshot();
    const items = BAD_FLOW_STARTS.filter((bad) => !bad.headers).map((bad) => {
      const { workflow, input, debounce, singleton } = JSON.parse(bad.body) as Record<string, unknown>;
      return { workflow, input, debounce, singleton };
    });
    const response = await api("/api/runs/batch", { method: "POST", json: { runs: items } });
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: { status: number; error?: { code: string } }[] };
    expect(runs.map((answer) => [answer.status >= 400 && answer.status < 500, /^[a-z_]+$/.test(answer.error?.code ?? "")])).toEqual(items.map(() => [true, true]));
    expect(await snapshot()).toBe(before);
  });
});

describe("fuzzing the console and approval pages", () => {
  it("answers malformed forms, queries, cross-site posts and wrong methods with 4xx, changing nothing", async () => {
    const browser = await Browser.signedIn();
    const { sleeping, ended, approving, approveUrl } = fixture;
    const approvalPath = new URL(approveUrl).pathname;
    const before = await snapshot();
    const failures: string[] = [];
    const check = async (what: string, path: string, init: RequestInit, allowed: (status: number) => boolean = (status) => status >= 400 && status < 500) => {
      const headers = new Headers(init.headers);
      if (browser.cookie) headers.set("Cookie", browser.cookie);
      if (!headers.has("Origin")) headers.set("Origin", ORIGIN);
      const answer = await ask(path, { ...init, headers });
      if (answer && !allowed(answer.status)) failures.push(`${what}: ${answer.status}`);
    };
    const forms = [
      `/runs/${sleeping}/events`,
      `/runs/${approving}/approvals/approval%230`,
      `/runs/${ended}/restart`,
      "/workflows/start",
      "/sign-in",
      approvalPath,
    ];
    for (const path of forms) {
      await check(`cut-off multipart to ${path}`, path, { method: "POST", body: MULTIPART_CUT, headers: { "Content-Type": "multipart/form-data; boundary=b" } });
      await check(`multipart without a boundary to ${path}`, path, { method: "POST", body: "x", headers: { "Content-Type": "multipart/form-data" } });
      await check(`cross-site JSON to ${path}`, path, { method: "POST", body: "{}", headers: { "Content-Type": "application/json", Origin: "https://evil.example" } });
      await check(`cross-site text to ${path}`, path, { method: "POST", body: "x", headers: { "Content-Type": "text/plain", Origin: "https://evil.example" } });
      for (const method of ["PUT", "PATCH", "DELETE"]) await check(`${method} ${path}`, path, { method, body: "x", headers: { "Content-Type": "text/plain" } });
    }
    // Cross-site posts of every kind to the actions that would change a real run.
    for (const path of [`/runs/${sleeping}/cancel`, `/runs/${ended}/delete`, `/runs/${ended}/restart`, "/sign-out"]) {
      for (const type of ["application/json", "text/plain", "application/x-www-form-urlencoded"]) {
        await check(`cross-site ${type} to ${path}`, path, { method: "POST", body: type === "application/json" ? "{}" : "a=1", headers: { "Content-Type": type, Origin: "https://evil.example" } }, (status) => status === 403);
      }
      await check(`no Origin to ${path}`, path, { method: "POST", body: "a=1", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "null" } }, (status) => status === 403);
    }
    const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    // Forms whose fields are wrong: refused with a notice, nothing sent.
    await check("an event with a bad name", `/runs/${sleeping}/events`, form({ name: "\u202e\r\n", payload: "1" }));
    await check("an event with 1e400", `/runs/${sleeping}/events`, form({ name: "go", payload: '{"n":1e400}' }));
    await check("an event 600 deep", `/runs/${sleeping}/events`, form({ name: "go", payload: deep(600) }));
    await check("a decision that is neither", `/runs/${approving}/approvals/approval%230`, form({ decision: "maybe\u0000" }));
    await check("a start with 1e400", "/workflows/start", form({ workflow: "sleeper", input: '{"seconds":1e400}' }));
    await check("a start of nothing", "/workflows/start", form({ workflow: "\u0000../x", input: "" }));
    // ".." and "%2e%2e" are resolved by the URL itself (to the run list): not ids.
    for (const id of TRICKY_IDS.filter((id) => id !== ".." && id !== "%2e%2e")) {
      for (const path of [`/runs/${id}`, `/runs/${id}/live`, `/runs/${id}/steps/a%230`, `/runs/${id}/download/input`, `/runs/${id}/download/output`, `/runs/${id}/download/steps/a%230`]) await check(`GET ${path}`, path, {});
      for (const action of ["cancel", "delete", "restart", "events", "approvals/a%230"]) await check(`POST ${action} of ${id}`, `/runs/${id}/${action}`, form({ name: "go", decision: "approve" }));
    }
    // Downloads of values a sleeping run does not have yet.
    for (const path of ["/download/output", "/download/steps/nope%230", "/download/steps/sleep%230"]) await check(`GET ${path} of a sleeping run`, `/runs/${sleeping}${path}`, {});
    for (const query of ["from=99999999999999999999", "from=-1", "from=1e400", "from=abc", "from=%00"]) await check(`run page ?${query}`, `/runs/${sleeping}?${query}`, {});
    for (const query of ["cursor=%ZZ", `cursor=${btoa(JSON.stringify([1e300 * 1e300, "x"]))}`, "status=bogus", "workflow=%00"]) {
      await check(`run list ?${query}`, `/?${query}`, {}, (status) => status < 500);
    }
    for (const token of ["x", "x.y", "a..b", `${"a".repeat(5000)}.b`, "%00.%00", "eyJ9.eyJ9"]) {
      await check(`approval link ${token.slice(0, 12)}`, `/approvals/${token}`, {});
      await check(`approval post ${token.slice(0, 12)}`, `/approvals/${token}`, form({ comment: "x" }));
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it("answers malformed event URL tokens, bodies and wrong methods with 4xx and a stable error code, delivering nothing", async () => {
    const paid = (await (await api("/api/runs", { method: "POST", json: { workflow: "paid", input: {} } })).json()) as { id: string };
    await waitForRun(paid.id, (run) => run.status === "waiting");
    const announced = (await (await api(`/api/runs/${paid.id}/steps/announce%230`)).json()) as { output: string };
    const realPath = new URL(announced.output).pathname;
    const approvalToken = new URL(fixture.approveUrl).pathname.replace("/approvals/", "");
    const before = await snapshot();
    const failures: string[] = [];
    const check = async (what: string, path: string, init: RequestInit) => {
      const answer = await ask(path, { ...init, headers: { Authorization: "", ...(init.headers as Record<string, string> | undefined) } });
      if (!answer) return;
      if (answer.status < 400 || answer.status >= 500) failures.push(`${what}: ${answer.status}`);
      else if (!answer.code || !/^[a-z_]+$/.test(answer.code)) failures.push(`${what}: ${answer.status} without an error code (${answer.type})`);
    };
    // An approval link's token is signed for another purpose: no event URL.
    for (const token of ["x", "x.y", "a..b", `${"a".repeat(5000)}.b`, "%00.%00", "eyJ9.eyJ9", "%ZZ", "%E2%80%AE.x", approvalToken, `${approvalToken}.x`]) {
      await check(`GET event URL ${token.slice(0, 12)}`, `/events/${token}`, {});
      for (const bad of BAD_BODIES) await check(`POST event URL ${token.slice(0, 12)} with ${bad.name}`, `/events/${token}`, { method: "POST", body: bad.body, headers: { "Content-Type": bad.type } });
    }
    // At the real URL, only what no run may be sent: not UTF-8, over the limit, wrong methods.
    await check("invalid UTF-8 to a real event URL", realPath, { method: "POST", body: INVALID_UTF8, headers: { "Content-Type": "application/json" } });
    await check("over 1 MiB to a real event URL", realPath, { method: "POST", body: `{"payload":"${"x".repeat(1_100_000)}"}`, headers: { "Content-Type": "application/json" } });
    for (const method of ["PUT", "PATCH", "DELETE", "OPTIONS"]) await check(`${method} a real event URL`, realPath, { method, body: method === "OPTIONS" ? null : "{}" });
    expect(failures).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect((await getRun(paid.id)).status).toBe("waiting");
  });

  it("sends sign-in only to a same-origin path without control characters", async () => {
    for (const next of ["/\t/evil.example", "/\r\nSet-Cookie: x=1", "//evil.example", "/\\evil.example", "https://evil.example/", "/%0d%0aX: y", "javascript:alert(1)", "/ok\u0000"]) {
      const response = await SELF.fetch(`${ORIGIN}/sign-in`, { method: "POST", body: new URLSearchParams({ token: TOKEN, next }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN }, redirect: "manual" });
      expect([next, response.status]).toEqual([next, 303]);
      const location = response.headers.get("location") ?? "";
      expect([next, location === "/" || (location.startsWith("/") && !/[\x00-\x1f\\]/.test(location) && !location.startsWith("//"))]).toEqual([next, true]);
    }
    const good = await SELF.fetch(`${ORIGIN}/sign-in`, { method: "POST", body: new URLSearchParams({ token: TOKEN, next: "/workflows?x=1" }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN }, redirect: "manual" });
    expect(good.headers.get("location")).toBe("/workflows?x=1");
  });
});
