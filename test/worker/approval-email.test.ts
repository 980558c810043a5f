// Approval emails. The send_email binding cannot be read back from a test, so most
// tests here give the run object a recording (fake) mailer through its test control;
// one test sends through the real binding and checks the send is recorded as done.
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import PostalMime from "postal-mime";
import type { Mailer } from "../../src/approvals/mailer.ts";
import { getRun, runStub, waitForRun } from "./helpers.ts";

interface Sent {
  from: string;
  to: string;
  raw: string;
}

/** A fake mailer that keeps what it is given; `failures` sends throw first. */
function recordingMailer(failures = 0): { mailer: Mailer; sent: Sent[]; tries: number } {
  const record = { sent: [] as Sent[], tries: 0, mailer: (async () => {}) as Mailer };
  record.mailer = async (from, to, raw) => {
    record.tries += 1;
    if (record.tries <= failures) throw new Error(`mail server said no (try ${record.tries})`);
    record.sent.push({ from, to, raw });
  };
  return record;
}

/** Starts a run whose run object sends mail through `mailer`. */
async function startWithMailer(workflow: string, input: unknown, mailer: Mailer): Promise<string> {
  const id = crypto.randomUUID();
  const stub = runStub(id);
  await stub.control().useMailer(mailer);
  await stub.start({ id, workflow, input: input as never, idempotencyKey: null, origin: "https://baton.test" });
  return id;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The message as a standards-following parser (postal-mime) reads it. */
function parsed(raw: string) {
  return PostalMime.parse(raw);
}

/** What RFC 5322, 2045 and 2047 ask of the raw text, as a list of what it breaks. */
function breaches(raw: string): string[] {
  const found: string[] = [];
  if (/(?<!\r)\n|\r(?!\n)/.test(raw)) found.push("a line ends without CRLF");
  const lines = raw.split("\r\n");
  const headerEnd = lines.indexOf("");
  lines.forEach((line, i) => {
    if (line.length > 998) found.push(`line ${i + 1} has ${line.length} characters (at most 998)`);
    if (i < headerEnd && line.length > 78) found.push(`header line ${i + 1} has ${line.length} characters (should be at most 78)`);
    if (/[^\x00-\x7f]/.test(line)) found.push(`line ${i + 1} is not 7-bit ASCII`);
    for (const word of line.match(/=\?[^?]+\?[BQbq]\?[^?]*\?=/g) ?? []) if (word.length > 75) found.push(`an encoded word of ${word.length} characters (at most 75)`);
  });
  for (const encoding of raw.match(/^Content-Transfer-Encoding: .*$/gim) ?? []) if (!/quoted-printable|base64/i.test(encoding)) found.push(`${encoding}: UTF-8 text needs quoted-printable or base64`);
  return found;
}

describe("approval emails", () => {
  it("go to each recipient with a clear subject, a text and an HTML part, and both links working (recording mailer)", async () => {
    const tag = crypto.randomUUID();
    const record = recordingMailer();
    const id = await startWithMailer("approval", { tag }, record.mailer);
    await until(() => record.sent.length === 1);
    const [mail] = record.sent;
    if (!mail) throw new Error("no email sent");
    expect(mail.from).toBe(env.BATON_EMAIL_FROM);
    expect(mail.to).toBe("ops@example.com");
    expect(breaches(mail.raw)).toEqual([]);
    const message = await parsed(mail.raw);
    expect(message.to).toEqual([{ address: "ops@example.com", name: "" }]);
    expect(message.from).toMatchObject({ address: env.BATON_EMAIL_FROM, name: "Baton" });
    expect(message.messageId).toMatch(/^<.+@.+>$/);
    expect(message.subject).toBe(`Approval needed: Ship ${tag}?`);
    const text = message.text ?? "";
    const html = message.html ?? "";
    expect(text).toContain(`Ship ${tag}?`);
    expect(html).toContain(`Ship ${tag}?`);
    const approveUrl = /Approve: (\S+)/.exec(text)?.[1] ?? "";
    const rejectUrl = /Reject: +(\S+)/.exec(text)?.[1] ?? "";
    expect(approveUrl).toMatch(/^https:\/\/baton\.test\/approvals\//);
    expect(html).toContain(`href="${approveUrl}"`);
    expect(html).toContain(`href="${rejectUrl}"`);

    expect((await SELF.fetch(rejectUrl)).status).toBe(200);
    expect((await SELF.fetch(approveUrl)).status).toBe(200);
    const decided = await SELF.fetch(approveUrl, { method: "POST", body: new URLSearchParams({ comment: "from the email" }), headers: { Origin: new URL(approveUrl).origin } });
    expect(decided.status).toBe(200);
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: true, by: "ops@example.com", comment: "from the email" } });
    const step = run.steps.find((s) => s.key === "approval#0");
    expect(step?.emails).toEqual([{ to: "ops@example.com", status: "sent", attempts: 1, error: null }]);
  });

  it("are read alike by every client: UTF-8 bodies and subjects encoded, long lines and subjects folded (parsed back with postal-mime)", async () => {
    const record = recordingMailer();
    const subject = `Freigabe für € ${"Überweisung an Lieferant ".repeat(12)}`.trim();
    const long = `Bitte prüfen: ${"Posten für 12,50 € ".repeat(70)}Ende.`;
    const message = `Zeile eins: für €\nZeile zwei = zwei  \n${long}\n✓ done 🎉`;
    expect(subject.length).toBeGreaterThan(300);
    expect(long.length).toBeGreaterThan(1240);
    const id = await startWithMailer("approval-mail", { subject, message }, record.mailer);
    await until(() => record.sent.length === 1);
    const raw = record.sent[0]?.raw ?? "";
    expect(breaches(raw)).toEqual([]);
    const mail = await parsed(raw);
    expect(mail.subject).toBe(subject);
    expect(mail.text?.split("\n").slice(0, 3)).toEqual(["Zeile eins: für €", "Zeile zwei = zwei  ", long]);
    expect(mail.text).toContain("✓ done 🎉");
    expect(mail.html).toContain(`Zeile eins: für €<br>`);
    expect(mail.html).toContain(long);
    const approveUrl = /Approve: (\S+)/.exec(mail.text ?? "")?.[1] ?? "";
    expect(mail.html).toContain(`href="${approveUrl}"`);
    expect((await SELF.fetch(approveUrl)).status).toBe(200);
    await runStub(id).cancel();
  });

  it("retry a failed send with back-off on the alarm, showing the error on the step meanwhile (recording mailer)", async () => {
    const record = recordingMailer(1);
    const id = await startWithMailer("approval", { tag: crypto.randomUUID() }, record.mailer);
    await until(() => record.tries === 1);
    await until(async () => (await getRun(id)).steps[0]?.emails?.[0]?.attempts === 1);
    const failed = await getRun(id);
    expect(failed.status).toBe("waiting");
    expect(failed.steps[0]?.emails).toEqual([
      { to: "ops@example.com", status: "pending", attempts: 1, error: "mail server said no (try 1)" },
    ]);
    // Stand in for the back-off passing: the retry comes due now and the alarm runs.
    await runStub(id).control().emailsDueNow();
    await until(() => record.sent.length === 1);
    await until(async () => (await getRun(id)).steps[0]?.emails?.[0]?.status === "sent");
    expect((await getRun(id)).steps[0]?.emails?.[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("go out through the real send_email binding", async () => {
    const id = crypto.randomUUID();
    await runStub(id).start({ id, workflow: "approval", input: { tag: crypto.randomUUID() }, idempotencyKey: null, origin: "https://baton.test" });
    await until(async () => (await getRun(id)).steps[0]?.emails?.[0]?.status !== "pending");
    expect((await getRun(id)).steps[0]?.emails).toEqual([{ to: "ops@example.com", status: "sent", attempts: 1, error: null }]);
  });
});
