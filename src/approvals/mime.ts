// A MIME message of alternative text parts, written to the rules every mail client
// reads (RFC 5322, 2045, 2047): CRLF line ends, header lines folded under 78
// characters, non-ASCII header text as encoded words of at most 75 characters, and
// bodies in quoted-printable (lines of at most 76), so UTF-8 and long lines arrive
// intact. Written here rather than with a library: the one Cloudflare's docs suggest
// (mimetext) declares UTF-8 bodies 7bit, never folds, and brings a 180 KB MIME-type
// table along for two text parts.

const CRLF = "\r\n";
const encoder = new TextEncoder();

/** One mailbox: an address, and a display name that may hold any text. */
export interface Mailbox {
  address: string;
  name?: string;
}

/** A message of one or more alternative bodies (plain text first, the richest last). */
export interface MimeMessage {
  from: Mailbox;
  to: Mailbox[];
  subject: string;
  /** `Message-ID` without the angle brackets. */
  messageId: string;
  date: Date;
  parts: { type: "text/plain" | "text/html"; text: string }[];
}

/** The message as the raw text a mail transport sends. */
export function buildMime(message: MimeMessage): string {
  const boundary = `=_baton_${crypto.randomUUID().replace(/-/g, "")}`;
  const headers = [
    header("From", mailbox(message.from)),
    header("To", message.to.map(mailbox).join(", ")),
    header("Subject", headerText(message.subject)),
    header("Date", rfc5322Date(message.date)),
    header("Message-ID", `<${message.messageId}>`),
    header("MIME-Version", "1.0"),
  ];
  if (message.parts.length === 1) {
    const [only] = message.parts;
    if (!only) throw new Error("a message needs a body");
    return [...headers, ...partHeaders(only.type), "", quotedPrintable(only.text)].join(CRLF);
  }
  const lines = [...headers, header("Content-Type", `multipart/alternative; boundary="${boundary}"`), ""];
  for (const part of message.parts) lines.push(`--${boundary}`, ...partHeaders(part.type), "", quotedPrintable(part.text));
  lines.push(`--${boundary}--`, "");
  return lines.join(CRLF);
}

function partHeaders(type: string): string[] {
  return [`Content-Type: ${type}; charset=UTF-8`, "Content-Transfer-Encoding: quoted-printable"];
}

/**
 * `Name: value` folded at spaces so no line passes 78 characters. A value is ASCII by
 * the time it gets here (encoded words, addresses), so folding never splits a character.
 */
function header(name: string, value: string): string {
  const words = value.split(" ");
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78 && line.trim() !== `${name}:`) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** Header text: as it is when it is plain printable ASCII in words that fold, else as encoded words. */
function headerText(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  const plain = /^[\x20-\x7e]*$/.test(flat) && !/=\?/.test(flat) && flat.split(" ").every((word) => word.length <= 70);
  return plain ? flat : encodedWords(flat);
}

/**
 * RFC 2047 "B" encoded words, each at most 75 characters and never splitting a UTF-8
 * character, separated by spaces so the header can fold between them.
 */
function encodedWords(text: string): string {
  // 42 bytes are 56 characters of base64: a 68-character word, which fits the 75 of
  // RFC 2047 and, after "Subject: ", the 78 of a folded header line.
  const maxBytes = 42;
  const words: string[] = [];
  let chunk: number[] = [];
  for (const char of text) {
    const bytes = [...encoder.encode(char)];
    if (chunk.length + bytes.length > maxBytes) {
      words.push(encodedWord(chunk));
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0 || words.length === 0) words.push(encodedWord(chunk));
  return words.join(" ");
}

function encodedWord(bytes: number[]): string {
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

/** A mailbox for a header: `=?UTF-8?B?…?= <a@b>` or `"Name" <a@b>` or `<a@b>`. */
function mailbox({ address, name }: Mailbox): string {
  if (!name) return `<${address}>`;
  const plain = /^[\x20-\x7e]*$/.test(name) && !/=\?/.test(name);
  return `${plain ? `"${name.replace(/["\\]/g, "\\$&")}"` : encodedWords(name)} <${address}>`;
}

/** The body as quoted-printable: UTF-8 bytes, lines of at most 76 characters, CRLF line ends. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const sourceLine of text.replace(/\r\n?/g, "\n").split("\n")) {
    const bytes = encoder.encode(sourceLine);
    let line = "";
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] ?? 0;
      const last = i === bytes.length - 1;
      // Printable ASCII but "=" stays; a space or tab stays unless it ends the line.
      const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
      let token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      // Keep an encoded UTF-8 character on one line: take its continuation bytes with it.
      if (!literal && byte >= 0xc0) {
        let j = i + 1;
        while (j < bytes.length && ((bytes[j] ?? 0) & 0xc0) === 0x80) {
          token += `=${(bytes[j] ?? 0).toString(16).toUpperCase()}`;
          j++;
        }
        i = j - 1;
      }
      // A soft break ("=" at the end) when the token would pass 75 characters.
      if (line.length + token.length > 75) {
        out.push(`${line}=`);
        line = "";
      }
      line += token;
    }
    out.push(line);
  }
  return out.join(CRLF);
}

/** A date as RFC 5322 writes it: `Mon, 30 Nov 2026 09:00:00 +0000`. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}
