// Where eventUrl() finds the host that signs its URLs. Only a host that serves event
// URLs (the Worker's run object, which knows the signing key and the public origin)
// provides one, per run id: the step's closure runs in that host, under that run, so
// it looks up the run it belongs to. Kept in a globalThis slot keyed by Symbol.for,
// so two copies of this module in one bundle find the same hosts.

/** What eventUrl() asks its host for: a signed URL for the event `name` of this run. */
export interface EventUrlRequest {
  /** The event a POST to the URL sends. */
  name: string;
  /** Seconds from now until the URL stops working. */
  expires: number;
  /** True: the URL delivers once, and refuses every later POST. */
  once: boolean;
  /** The eventUrl step's key: what makes two URLs of one run and event different. */
  key: string;
}

/** Makes the URL for a request; rejects with an error the body sees (no signing key, no public URL). */
export type EventUrlMaker = (request: EventUrlRequest) => Promise<string>;

const SLOT: unique symbol = Symbol.for("baton.event-url-makers") as never;

function makers(): Map<string, EventUrlMaker> {
  const slot = globalThis as { [SLOT]?: Map<string, EventUrlMaker> };
  slot[SLOT] ??= new Map();
  return slot[SLOT];
}

/** The host of run `runId` signs its event URLs with `maker` (the last one provided wins: a rebuilt host replaces its predecessor). */
export function provideEventUrls(runId: string, maker: EventUrlMaker): void {
  makers().set(runId, maker);
}

/** The maker of run `runId`'s event URLs, or undefined where no host provides one (runLocally, a worker you run). */
export function eventUrlMaker(runId: string): EventUrlMaker | undefined {
  return makers().get(runId);
}

/** The host that provided `maker` no longer runs its execution (the run ended, or its execution was dropped): forget it, so nothing keeps that host alive. */
export function withdrawEventUrls(maker: EventUrlMaker): void {
  for (const [runId, provided] of makers()) if (provided === maker) makers().delete(runId);
}
