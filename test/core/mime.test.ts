// The MIME builder's encodings, read back by a standards-following parser
// (postal-mime): whatever the text, a client shows exactly it.
import { describe, expect, it } from "vitest";
import PostalMime from "postal-mime";
import { buildMime, quotedPrintable } from "../../src/approvals/mime.ts";

function message(subject: string, text: string, name = "Baton"): string {
  return buildMime({
    from: { name, address: "baton@example.com" },
    to: [{ address: "ops@example.com" }],
    subject,
    messageId: "id@example.com",
    date: new Date("2026-11-30T09:00:00Z"),
    parts: [
      { type: "text/plain", text },
      { type: "text/html", text: "<p>html</p>" },
    ],
  });
}

const texts: [string, string][] = [
  ["an empty body", ""],
  ["trailing spaces and tabs", "ends in spaces   \nends in a tab\t\n  "],
  ["equals signs and soft-break look-alikes", "a=b\n=\n==41\n="],
  ["a 3,000-character line without spaces", "x".repeat(3000)],
  ["4-byte characters across every line boundary", "🎉".repeat(100)],
  ["mixed scripts", "für € · 東京 · Ελλάδα · עברית · 🇩🇪"],
  ["CRLF and CR line ends", "one\r\ntwo\rthree"],
];

describe("buildMime", () => {
  it.each(texts)("keeps %s exactly", async (_, text) => {
    const raw = message("s", text);
    for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    const mail = await PostalMime.parse(raw);
    // postal-mime ends every text part it decodes with a line break of its own.
    expect(mail.text).toBe(`${text.replace(/\r\n?/g, "\n")}\n`);
  });

  it.each([
    ["plain ASCII", "Approval needed: ship it?"],
    ["UTF-8 of 300 characters", "Prüfung für € ".repeat(22)],
    ["one long word", "a".repeat(200)],
    ["text that looks like an encoded word", "=?UTF-8?B?aGk=?= is not encoded"],
    ["emoji at every split", "🎉".repeat(40)],
  ])("keeps a subject of %s, folded into encoded words of at most 75 characters", async (_, subject) => {
    const raw = message(subject, "body", "Bätön Ops");
    const headers = raw.slice(0, raw.indexOf("\r\n\r\n"));
    for (const line of headers.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    for (const word of headers.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? []) expect(word.length).toBeLessThanOrEqual(75);
    const mail = await PostalMime.parse(raw);
    expect(mail.subject).toBe(subject);
    expect(mail.from).toMatchObject({ name: "Bätön Ops", address: "baton@example.com" });
  });

  it("writes quoted-printable a person can still read", () => {
    expect(quotedPrintable("für 1 € = x ")).toBe("f=C3=BCr 1 =E2=82=AC =3D x=20");
  });
});
