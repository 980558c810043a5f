// Large values by reference: the R2 bucket bound as BATON_PAYLOADS keeps every value
// whose JSON passes PAYLOAD_INLINE_BYTES (step and task results, run inputs and
// outputs), each under its run's prefix (`runs/<id>/`), so erasing a run removes them
// by listing that prefix. The object is always written before the row that points at
// it: a crash between the two leaves at worst an orphan under the prefix, which the
// run's erasure removes too. Keys are never reused (a random part), so a repeated
// write never replaces what another row points at.

import { carryLargeValues, PAYLOAD_INLINE_BYTES, type Json, type PayloadRef } from "baton-workflows/engine";
import type { Env } from "../env.ts";

/** The prefix of every object kept for run `runId`. */
export function runPrefix(runId: string): string {
  return `runs/${encodeURIComponent(runId)}/`;
}

/** The JSON text of `value` when it is too large to keep in a row (over PAYLOAD_INLINE_BYTES), else null. */
export function largeText(value: Json | undefined): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when it could matter.
  if (text.length * 3 <= PAYLOAD_INLINE_BYTES) return null;
  return byteLength(text) > PAYLOAD_INLINE_BYTES ? text : null;
}

/** Bytes of `text` as UTF-8. */
export function byteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  // A surrogate pair counted 1 + 1 above: 4 bytes, which is right.
  return bytes;
}

/** The run's payload store over the bucket. */
export class PayloadStore {
  private readonly bucket: R2Bucket;

  constructor(bucket: R2Bucket) {
    this.bucket = bucket;
  }

  /** Writes `text` (JSON) as a new object of run `runId`; the reference to store. */
  async keep(runId: string, text: string, what: string): Promise<PayloadRef> {
    const key = `${runPrefix(runId)}${what}-${crypto.randomUUID()}.json`;
    const written = await this.bucket.put(key, text, { httpMetadata: { contentType: "application/json" } });
    return { key, bytes: written.size };
  }

  /** `load`, bound: what an execution is given to load referenced outcomes. */
  readonly loader = (ref: PayloadRef): Promise<Json | undefined> => this.load(ref);

  /** The value a reference points at; throws when the object is gone. */
  async load(ref: PayloadRef): Promise<Json | undefined> {
    const object = await this.bucket.get(ref.key);
    if (!object) throw new Error("the object is not in the BATON_PAYLOADS bucket (deleted, or written by another bucket)");
    return JSON.parse(await object.text()) as Json;
  }

  /** A copy of the object `ref` points at (another run's) as a new object of run `runId`. */
  async copy(ref: PayloadRef, runId: string, what: string): Promise<PayloadRef> {
    const object = await this.bucket.get(ref.key);
    if (!object) throw new Error(`the object "${ref.key}" is not in the BATON_PAYLOADS bucket`);
    return this.keep(runId, await object.text(), what);
  }

  /** The object a reference points at, to stream; null when it is gone. */
  open(ref: PayloadRef): Promise<R2ObjectBody | null> {
    return this.bucket.get(ref.key);
  }

  /** Deletes one object a run never took (its start or event was refused or repeated); best effort, as erasure removes it anyway. */
  async discard(ref: PayloadRef): Promise<void> {
    await this.bucket.delete(ref.key).catch(() => undefined);
  }

  /** Deletes every object under run `runId`'s prefix (referenced or orphaned). */
  async removeRun(runId: string): Promise<void> {
    const prefix = runPrefix(runId);
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list(cursor === undefined ? { prefix } : { prefix, cursor });
      if (page.objects.length > 0) await this.bucket.delete(page.objects.map((object) => object.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
  }
}

/**
 * The Worker's payload store, or null without a BATON_PAYLOADS binding. Also tells the
 * engine whether values may be large: with a store up to MAX_PAYLOAD_BYTES, else the
 * 1 MiB a row holds (the binding is the same for every request of an isolate).
 */
export function payloadStoreOf(env: Env): PayloadStore | null {
  const bucket = env.BATON_PAYLOADS;
  carryLargeValues(bucket !== undefined);
  return bucket ? new PayloadStore(bucket) : null;
}
