// The console's care with what a person types and does: Delete asks first and says what
// it deleted, a refused form keeps the text with the reason beside it, event waits have
// their own colour, and a run failed by a code change offers "Restart on current code".
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flip } from "../hit.ts";
import { Browser } from "./console-browser.ts";
import { api, runStub, startRun, waitForRun } from "./helpers.ts";

describe("the console's care", () => {
  it("asks before deleting a run, deletes it only when confirmed, and says which run it deleted", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("sleeper", { seconds: 0 });
    await waitForRun(id);
    const asked = await browser.post(`/runs/${id}/delete`, {});
    expect(asked.status).toBe(200);
    const page = await asked.text();
    expect(page).toContain("Delete the run?");
    expect(page).toMatch(/<input type="hidden" name="confirm" value="yes"/);
    // Asking deleted nothing.
    expect((await api(`/api/runs/${id}`)).status).toBe(200);
    const confirmed = await browser.post(`/runs/${id}/delete`, { confirm: "yes" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe(`/?deleted=${id}`);
    expect((await api(`/api/runs/${id}`)).status).toBe(404);
    const list = await (await browser.get(`/?deleted=${id}`)).text();
    expect(list).toContain(`Run <code>${id}</code> was deleted`);
    // Only a run id is ever said deleted.
    expect(await (await browser.get("/?deleted=%3Cb%3Eall%20your%20runs%3C%2Fb%3E")).text()).not.toContain("was deleted");
  });

  it("refuses to ask about deleting a run that is still active", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("sleeper", { seconds: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const refused = await browser.post(`/runs/${id}/delete`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("The run is still active: cancel it first. Nothing was deleted.");
  });

  it("keeps a refused event payload in its field, with the reason beside it, and colours the event wait", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("events", { pause: 0 });
    await waitForRun(id, (run) => run.events.length === 1);
    const bad = await browser.post(`/runs/${id}/events`, { name: "ping", payload: '{"n": nope}' });
    expect(bad.status).toBe(409);
    const page = await bad.text();
    expect(page).toMatch(/<textarea id="payload-[^"]+" name="payload" autofocus="" aria-invalid="true"[^>]*>\{&quot;n&quot;: nope\}<\/textarea>/);
    expect(page).toMatch(/<p class="error" role="alert" id="payload-error-[^"]+">The payload is not JSON: /);
    expect(page).toMatch(/<rect class="event"/);
  });

  it("focuses a refused start form, so the page opens at its error", async () => {
    const browser = await Browser.signedIn();
    const page = await (await browser.post("/workflows/start", { workflow: "chatty", input: "{oops" })).text();
    expect(page).toMatch(/<textarea id="input-chatty" name="input" placeholder="\{\}" autofocus="" aria-invalid="true">\{oops<\/textarea>/);
  });

  it("offers Restart on current code for a run failed by a code change, from the step that diverged", async () => {
    const browser = await Browser.signedIn();
    const tag = crypto.randomUUID();
    const id = await startRun("drift", { tag });
    await waitForRun(id, (run) => run.status === "sleeping");
    flip(`${tag}:renamed`);
    await evictDurableObject(runStub(id));
    expect((await waitForRun(id)).error?.name).toBe("NonDeterminismError");
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toMatch(/<input type="hidden" name="fromStep" value="a#0"\/><button class="primary" type="submit">Restart on current code<\/button>/);
    const restarted = await browser.post(`/runs/${id}/restart`, { fromStep: "a#0" });
    expect(restarted.status).toBe(303);
    const newId = /^\/runs\/([\w-]+)$/.exec(restarted.headers.get("location") ?? "")?.[1] ?? "";
    expect((await waitForRun(newId)).output).toBe(2);
  });
});
