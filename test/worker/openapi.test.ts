// The OpenAPI document: served without a token, its paths the README's, every route it
// declares served and every /api route declared; and what the API really answers fits
// the document's schemas exactly (no field missing, none undeclared).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { api, startRun, waitForRun } from "./helpers.ts";

/** The part of an OpenAPI 3.1 document these checks read. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: { "application/json": { schema: Schema } } }> }>>;
  components: { schemas: Record<string, Schema> };
}

async function documentOf(): Promise<Document> {
  const response = await SELF.fetch("https://baton.test/api/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** Problems with `value` against `schema`: wrong types, missing required fields, fields the schema does not declare. */
function problems(doc: Document, schema: Schema, value: unknown, at = "$"): string[] {
  if (schema.$ref) return problems(doc, doc.components.schemas[schema.$ref.split("/").pop() ?? ""] ?? {}, value, at);
  if (schema.anyOf) return schema.anyOf.some((part) => problems(doc, part, value, at).length === 0) ? [] : [`${at}: ${JSON.stringify(value)?.slice(0, 80)} fits none of its alternatives`];
  if (schema.allOf) {
    // An extension: the union of the parts' properties, each checked once.
    const merged: Schema = { type: "object", properties: {}, required: [] };
    for (const part of schema.allOf) {
      const resolved = part.$ref ? (doc.components.schemas[part.$ref.split("/").pop() ?? ""] ?? {}) : part;
      Object.assign(merged.properties ?? {}, resolved.properties);
      merged.required?.push(...(resolved.required ?? []));
    }
    return problems(doc, merged, value, at);
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return [];
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (!types.some((type) => type === kind || (type === "number" && kind === "integer"))) return [`${at}: ${kind}, documented as ${types.join(" or ")}`];
  if (kind === "array") return (value as unknown[]).flatMap((item, i) => problems(doc, schema.items ?? {}, item, `${at}[${i}]`));
  if (kind !== "object") return [];
  const record = value as Record<string, unknown>;
  if (!schema.properties) return [];
  const found: string[] = [];
  for (const name of schema.required ?? []) if (!(name in record)) found.push(`${at}.${name}: missing`);
  for (const [name, field] of Object.entries(record)) {
    const declared = schema.properties[name];
    if (!declared) found.push(`${at}.${name}: not in the document`);
    else found.push(...problems(doc, declared, field, `${at}.${name}`));
  }
  return found;
}

/** Checks a real answer against the document's schema for its route and status. */
async function fitsDocument(doc: Document, path: string, method: string, response: Response): Promise<unknown> {
  const documented = doc.paths[path]?.[method]?.responses[String(response.status)];
  expect(documented, `${method.toUpperCase()} ${path} answered ${response.status}, which the document does not list`).toBeDefined();
  const body: unknown = response.status === 204 ? null : await response.json();
  const schema = documented?.content?.["application/json"].schema;
  if (schema) expect(problems(doc, schema, body), `${method.toUpperCase()} ${path} ${response.status}`).toEqual([]);
  return body;
}

describe("GET /api/openapi.json", () => {
  it("shows each workflow's declared input schema in the start body, and any JSON for the others", async () => {
    const doc = await documentOf();
    const signup = doc.components.schemas["StartBody.signup"] as Schema & { properties: { workflow: { const: string }; input: { properties: Record<string, { format?: string; minimum?: number }> } } };
    expect(signup.properties.workflow.const).toBe("signup");
    expect(signup.properties.input.properties.email?.format).toBe("email");
    expect(signup.properties.input.properties.age?.minimum).toBe(18);
    const start = doc.components.schemas.StartBody ?? {};
    expect(problems(doc, start, { workflow: "signup", input: { email: "a@example.com", age: 30 } })).toEqual([]);
    expect(problems(doc, start, { workflow: "chatty", input: { name: "x" } })).toEqual([]);
    // The start options go with every workflow's body, typed input or not.
    expect(problems(doc, signup, { workflow: "signup", input: { email: "a@example.com", age: 30 }, debounce: { key: "k", period: "5s" } })).toEqual([]);
    expect(problems(doc, signup, { workflow: "signup", input: { email: "a@example.com", age: 30 }, singleton: { key: "k", mode: "skip" } })).toEqual([]);
    expect(start.anyOf?.map((part) => part.$ref)).toContain("#/components/schemas/StartBody.signup");
  });

  it("is an OpenAPI 3.1 document, readable without a token, with the routes under the names the README uses", async () => {
    const doc = await documentOf();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/runs",
        "/api/runs/{id}",
        "/api/runs/{id}/cancel",
        "/api/runs/{id}/events/{name}",
        "/api/runs/{id}/restart",
        "/api/runs/{id}/approvals/{key}",
        "/api/runs/{id}/steps/{key}",
        "/api/scripts/{path}/runs",
        "/api/workflows",
      ]),
    );
    expect(Object.keys(doc.paths["/api/runs/{id}"] ?? {}).sort()).toEqual(["delete", "get"]);
    expect(doc.paths["/api/runs/{id}/events/{name}"]?.post?.responses["202"]).toBeDefined();
  });

  it("declares every /api route the Worker serves, and the Worker serves every route it declares", async () => {
    const doc = await documentOf();
    const declared = Object.entries(doc.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    // A route with middleware (a body limit) is listed once per handler.
    const served = [
      ...new Set(
        createApp()
          .routes.filter((route) => route.path.startsWith("/api/") && route.method !== "ALL")
          .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`),
      ),
    ].sort();
    expect(served).toEqual(declared);
  });
});

describe("what the API answers fits the document", () => {
  it("for a run's whole life: start, read, list, step, approval, event, cancel, restart, delete and the workflow list", async () => {
    const doc = await documentOf();
    const tag = crypto.randomUUID();

    const started = await api("/api/runs", { method: "POST", json: { workflow: "approval", input: { tag } } });
    const run = (await fitsDocument(doc, "/api/runs", "post", started)) as { id: string };
    await waitForRun(run.id, (r) => r.approvals.length === 1);
    await fitsDocument(doc, "/api/runs/{id}", "get", await api(`/api/runs/${run.id}`));
    await fitsDocument(doc, "/api/runs", "get", await api("/api/runs?limit=5&status=waiting,running"));
    await fitsDocument(doc, "/api/runs/{id}/steps/{key}", "get", await api(`/api/runs/${run.id}/steps/${encodeURIComponent("approval#0")}`));
    await fitsDocument(doc, "/api/runs/{id}/approvals/{key}", "post", await api(`/api/runs/${run.id}/approvals/${encodeURIComponent("approval#0")}`, { method: "POST", json: { approved: true, by: "ada@example.com", comment: "ok" } }));
    const ended = await waitForRun(run.id);
    await fitsDocument(doc, "/api/runs/{id}", "get", await api(`/api/runs/${ended.id}`));
    await fitsDocument(doc, "/api/runs/{id}/steps/{key}", "get", await api(`/api/runs/${run.id}/steps/${encodeURIComponent("after#0")}`));

    const failing = await startRun("restartable", { tag });
    await waitForRun(failing);
    await fitsDocument(doc, "/api/runs/{id}", "get", await api(`/api/runs/${failing}`));
    const restarted = (await fitsDocument(doc, "/api/runs/{id}/restart", "post", await api(`/api/runs/${failing}/restart`, { method: "POST" }))) as { id: string };
    await waitForRun(restarted.id);

    const waiting = await startRun("events", { pause: 0 });
    await fitsDocument(doc, "/api/runs/{id}/events/{name}", "post", await api(`/api/runs/${waiting}/events/ping`, { method: "POST", json: { payload: { n: 1 } } }));
    await fitsDocument(doc, "/api/runs/{id}/cancel", "post", await api(`/api/runs/${waiting}/cancel`, { method: "POST" }));
    await fitsDocument(doc, "/api/runs/{id}/cancel", "post", await api(`/api/runs/${waiting}/cancel`, { method: "POST" }));
    await fitsDocument(doc, "/api/runs/{id}", "delete", await api(`/api/runs/${waiting}`, { method: "DELETE" }));
    await fitsDocument(doc, "/api/runs/{id}", "get", await api(`/api/runs/${waiting}`));
    await fitsDocument(doc, "/api/workflows", "get", await api("/api/workflows"));

    const ledger = await startRun("ledger", {});
    await waitForRun(ledger, (r) => r.status === "waiting");
    const updated = (await fitsDocument(doc, "/api/runs/{id}/updates/{update}", "post", await api(`/api/runs/${ledger}/updates/add`, { method: "POST", json: { arg: 2 } }))) as { updateId: string };
    await fitsDocument(doc, "/api/runs/{id}/updates/{update}", "get", await api(`/api/runs/${ledger}/updates/${updated.updateId}`));
    await fitsDocument(doc, "/api/runs/{id}/updates/{update}", "post", await api(`/api/runs/${ledger}/updates/broken`, { method: "POST" }));
    const failed = (await (await api(`/api/runs/${ledger}`)).json()) as { steps: { key: string; name: string }[] };
    const brokenId = failed.steps.find((step) => step.name === "broken")?.key.slice("update:".length) ?? "";
    await fitsDocument(doc, "/api/runs/{id}/updates/{update}", "get", await api(`/api/runs/${ledger}/updates/${brokenId}`));
    await fitsDocument(doc, "/api/runs/{id}/updates/{update}", "post", await api(`/api/runs/${ledger}/updates/nope`, { method: "POST" }));
  });

  it("for refusals: each is {error: {code, message}} under a status the route lists", async () => {
    const doc = await documentOf();
    await fitsDocument(doc, "/api/runs", "post", await api("/api/runs", { method: "POST", body: "{", headers: { "Content-Type": "application/json" } }));
    await fitsDocument(doc, "/api/runs", "post", await api("/api/runs", { method: "POST", json: { workflow: "nope" } }));
    await fitsDocument(doc, "/api/runs", "get", await api("/api/runs?status=sideways"));
    // A batch: each item's answer (a run, or a refusal with issues) fits, and so does a batch refused whole.
    const mixed = [{ workflow: "nested/hello", input: { name: "Ada" } }, { workflow: "nope" }, { workflow: "signup", input: { age: 1 } }];
    await fitsDocument(doc, "/api/runs/batch", "post", await api("/api/runs/batch", { method: "POST", json: { runs: mixed } }));
    await fitsDocument(doc, "/api/runs/batch", "post", await api("/api/runs/batch", { method: "POST", json: { runs: [] } }));
    await fitsDocument(doc, "/api/runs/{id}/events/{name}", "post", await api(`/api/runs/${crypto.randomUUID()}/events/ping`, { method: "POST", json: {} }));
    await fitsDocument(doc, "/api/runs/{id}/events/{name}", "post", await api(`/api/runs/x/events/${encodeURIComponent("no spaces")}`, { method: "POST", json: {} }));
    await fitsDocument(doc, "/api/workflows", "get", await SELF.fetch("https://baton.test/api/workflows"));
  });
});
