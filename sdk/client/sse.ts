// Reading Server-Sent Events from a fetch answer's body, web-standard only: the frames
// of the text/event-stream format (`id:`, `event:`, `data:` lines, a blank line ending
// each), comments and `retry:` skipped.

/** One message of a stream. */
export interface SseMessage {
  /** The `event:` field; "message" when there is none. */
  event: string;
  data: string;
  /** The `id:` field, when the message had one. */
  id?: string;
}

/** The messages of a text/event-stream body, in order, until it ends. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = frameEnd(buffer)) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^(\r\n|\r|\n){2}/, "");
        const message = parseFrame(frame);
        if (message) yield message;
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

/** Where the first complete frame ends (before its blank line), or -1. */
function frameEnd(buffer: string): number {
  const match = /(\r\n|\r|\n)(\r\n|\r|\n)/.exec(buffer);
  return match ? match.index : -1;
}

function parseFrame(frame: string): SseMessage | null {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of frame.split(/\r\n|\r|\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id") id = value;
  }
  if (data.length === 0) return null;
  return { event, data: data.join("\n"), ...(id === undefined ? {} : { id }) };
}
