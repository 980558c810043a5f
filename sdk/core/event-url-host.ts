// What eventUrl() asks of its host: a signed URL for an event of this run. Only a host
// that serves event URLs (the Worker's run object, which knows the signing key and the
// public origin) offers it, through ExecutionHost.eventUrl; the body reads it from its
// own execution, so nothing outside the execution holds the host.

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
