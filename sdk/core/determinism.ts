// What a workflow body sees of the outside world. While body code runs (not task or
// step closures, not the engine), the clock and randomness are the run's own — the
// recorded time of the event being processed, a sequence seeded by the run's id —
// and timers and fetch, which replay cannot reproduce, fail the run. Everything else
// in the isolate sees the real globals. Installed once per isolate, found through a
// Symbol.for slot so two copies of the engine share one installation.

import { contexts } from "./async-context.ts";

/** The key under which a context offers its body environment (absent outside a body). */
export const BODY_ENVIRONMENT: unique symbol = Symbol.for("baton.body-environment") as never;

/** What the globals ask of the body that is running. */
export interface BodyEnvironment {
  /** Milliseconds since the epoch, as the run recorded them for the current event. */
  now(): number;
  /** The next number in [0, 1) of the run's seeded sequence. */
  random(): number;
  /** Fills `bytes` from the run's seeded sequence. */
  fill(bytes: Uint8Array): void;
  /** The body called something replay cannot reproduce (a timer, fetch): the run fails. */
  forbid(call: string): void;
}

/** The body environment of the code running now, if it is workflow body code. */
export function currentBody(): BodyEnvironment | undefined {
  const store = contexts.getStore() as { [BODY_ENVIRONMENT]?: BodyEnvironment } | undefined;
  return store?.[BODY_ENVIRONMENT];
}

type TimerFn = (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;

const ORIGINAL = Symbol.for("baton.original");
type Wrapped<F> = F & { [ORIGINAL]?: F };

/** The unwrapped global, even when another copy of this module wrapped it first. */
function original<F>(value: F): F {
  return (value as Wrapped<F>)[ORIGINAL] ?? value;
}

const realSetTimeout = original(globalThis.setTimeout as unknown as TimerFn);
const realClearTimeout = original(globalThis.clearTimeout);
const immediate = (globalThis as { setImmediate?: TimerFn }).setImmediate;
const realSetImmediate = typeof immediate === "function" ? original(immediate) : undefined;

/** setTimeout as the engine uses it: never guarded, whatever context calls it. */
export function engineTimeout(handler: () => void, ms: number): unknown {
  return realSetTimeout.call(globalThis, handler, ms);
}

/** clearTimeout for timers from engineTimeout. */
export function clearEngineTimeout(handle: unknown): void {
  realClearTimeout.call(globalThis, handle as Parameters<typeof clearTimeout>[0]);
}

/**
 * Resolves after every microtask queued so far (and any they queue) has run: one turn
 * of the event loop. setImmediate where there is one (Workers with nodejs_compat,
 * Node, Deno), as it is not clamped to a millisecond as Node's setTimeout is.
 */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => resolve();
    if (realSetImmediate) realSetImmediate.call(globalThis, done);
    else realSetTimeout.call(globalThis, done, 0);
  });
}

/** A seeded sequence (sfc32, seeded from a string hash): the same seed gives the same numbers. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    // cyrb128: spreads the seed string over four 32-bit words.
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    // The first outputs of sfc32 still show the seed; run past them.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A number in [0, 1) with 53 random bits, like Math.random. */
  random(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992;
  }

  fill(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      let word = this.next();
      for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
        bytes[j] = word & 0xff;
        word >>>= 8;
      }
    }
  }
}

const INSTALLED = Symbol.for("baton.determinism-installed");

/** Puts the body-aware globals in place, once per isolate. */
export function installDeterminism(): void {
  const slot = globalThis as { [INSTALLED]?: true };
  if (slot[INSTALLED]) return;
  slot[INSTALLED] = true;
  installClock();
  installRandomness();
  installGuards();
}

/** Replaces `target[name]` with a wrapper of it; a property that cannot be replaced is left as it is. */
function wrap<F extends object>(target: object, name: string, make: (real: F) => F): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor && !descriptor.configurable && !descriptor.writable) return;
  const real = (target as Record<string, F>)[name];
  if (typeof real !== "function") return;
  const wrapped = make(real) as Wrapped<F>;
  Object.defineProperty(wrapped, ORIGINAL, { value: real });
  try {
    Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: descriptor?.enumerable ?? false });
  } catch {
    // A host object that refuses: that global keeps its real behaviour.
  }
}

function installClock(): void {
  const RealDate = globalThis.Date;
  // A function, not a subclass: `Date()` without `new` must keep working, and dates made
  // in a body must be plain Dates (same prototype, so instanceof Date holds).
  function BodyDate(this: unknown, ...args: unknown[]): unknown {
    const body = currentBody();
    if (!new.target) return body ? new RealDate(body.now()).toString() : RealDate();
    if (args.length === 0 && body) return Reflect.construct(RealDate, [body.now()], new.target);
    return Reflect.construct(RealDate, args, new.target);
  }
  Object.setPrototypeOf(BodyDate, RealDate);
  BodyDate.prototype = RealDate.prototype;
  Object.defineProperty(BodyDate, "now", { value: () => currentBody()?.now() ?? RealDate.now(), writable: true, configurable: true });
  Object.defineProperty(BodyDate, ORIGINAL, { value: RealDate });
  globalThis.Date = BodyDate as unknown as DateConstructor;
}

function installRandomness(): void {
  wrap<() => number>(Math, "random", (real) => () => currentBody()?.random() ?? real());
  const webCrypto = (globalThis as { crypto?: object }).crypto as Record<string, unknown> | undefined;
  if (webCrypto) patchCrypto(webCrypto);
  // Node's node:crypto has randomUUID and randomBytes of its own (Workers' and Deno's
  // call the global crypto); named ESM imports see the change after the sync.
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (!process?.versions?.node || typeof process.getBuiltinModule !== "function") return;
  try {
    const nodeCrypto = process.getBuiltinModule("node:crypto") as Record<string, unknown> | undefined;
    if (!nodeCrypto || nodeCrypto === webCrypto) return;
    patchCrypto(nodeCrypto);
    wrap<(size: number, callback?: unknown) => Uint8Array>(nodeCrypto, "randomBytes", (real) => function (this: unknown, size: number, callback?: unknown) {
      const body = currentBody();
      const bytes = real.call(this, size, callback as never);
      if (body && callback === undefined) body.fill(bytes);
      return bytes;
    });
    const nodeModule = process.getBuiltinModule("node:module") as { syncBuiltinESMExports?: () => void } | undefined;
    nodeModule?.syncBuiltinESMExports?.();
  } catch {
    // Not Node after all, or its module system differs: the global crypto is covered.
  }
}

function patchCrypto(target: Record<string, unknown>): void {
  wrap<(array: ArrayBufferView | null) => ArrayBufferView | null>(target, "getRandomValues", (real) => function (this: unknown, array: ArrayBufferView | null) {
    const body = currentBody();
    // Checked by the real one (type, size), then overwritten from the run's sequence.
    const filled = real.call(this === undefined ? target : this, array);
    if (body && filled) body.fill(new Uint8Array(filled.buffer, filled.byteOffset, filled.byteLength));
    return filled;
  });
  wrap<() => string>(target, "randomUUID", (real) => function (this: unknown): string {
    const body = currentBody();
    if (!body) return real.call(this === undefined ? target : this);
    const bytes = new Uint8Array(16);
    body.fill(bytes);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  });
}

function installGuards(): void {
  for (const name of ["setTimeout", "setInterval", "setImmediate"]) {
    wrap<TimerFn>(globalThis, name, (real) => function (this: unknown, ...args: Parameters<TimerFn>) {
      const body = currentBody();
      if (!body) return real.apply(this, args);
      body.forbid(`${name}()`);
      // The run has failed; its timer would only run body code nobody waits for.
      return real.call(this, () => {}, 0);
    });
  }
  wrap<typeof fetch>(globalThis, "fetch", (real) => function (this: unknown, ...args: Parameters<typeof fetch>) {
    const body = currentBody();
    if (!body) return real.apply(this, args);
    body.forbid("fetch()");
    return new Promise<Response>(() => {});
  });
}
