// The shapes of the worker protocol (v1, /api/worker/v1): what a worker you run sends
// and what it gets, as zod schemas the routes validate with and the OpenAPI document
// shows. DESIGN.md ("Workers you run: protocol v1") says what each means.

import * as z from "zod/mini";
import { doc, int, named, orNull, text } from "./schema-kit.ts";
import { ErrorView } from "./schemas.ts";

/** The protocol versions this Worker speaks. */
export const PROTOCOL_VERSIONS = [1] as const;

/** A worker queue's name. */
export const QUEUE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

const name = () => z.string().check(z.minLength(1), z.maxLength(200));
const served = () => z.array(z.strictObject({ name: name(), version: z.string().check(z.minLength(1), z.maxLength(64)) })).check(z.maxLength(2_000));

export const QueueParam = doc('A worker queue\'s name: lowercase letters, digits and "-", e.g. "python".', z.string().check(z.regex(QUEUE_NAME)));
export const ClaimParam = doc("The claim a poll handed out with an item, as it was given.", z.string().check(z.minLength(1), z.maxLength(1_000)));

export const WorkerRegisterBody = named(
  "WorkerRegisterBody",
  "A worker introducing itself and what it serves; sent again every leaseSeconds / 2 as its presence.",
  z.strictObject({
    protocol: doc("The protocol version the worker speaks.", int()),
    worker: z.strictObject({
      id: doc("An id the worker process chose (a UUID).", z.string().check(z.minLength(1), z.maxLength(128))),
      language: doc('"python", "typescript", …', z.string().check(z.minLength(1), z.maxLength(32))),
      sdk: doc('The SDK and its version, e.g. "baton-python 0.1.0".', z.string().check(z.maxLength(200))),
      queue: z.string().check(z.regex(QUEUE_NAME)),
      host: z.optional(z.string().check(z.maxLength(200))),
    }),
    workflows: doc("The workflows it runs the bodies of, with the version (a hash of the source) of each.", served()),
    scripts: doc("The scripts it runs.", served()),
  }),
);

export const WorkerRegistered = named(
  "WorkerRegistered",
  "What registering answers: the protocol spoken, and the timings the worker keeps to.",
  z.object({ protocol: int(), leaseSeconds: doc("How long a claim lasts without a heartbeat.", int()), pollSeconds: doc("How long a poll waits for work when there is none.", int()) }),
);

export const PollBody = named(
  "PollBody",
  undefined,
  z.strictObject({
    worker: z.string().check(z.minLength(1), z.maxLength(128)),
    max: z.optional(doc("Items to take at most (default 1, at most 32).", int().check(z.minimum(1), z.maximum(32)))),
    known: z.optional(
      doc(
        "Runs whose log the worker holds, each up to the `cursor` an activation gave it: their activations carry only the entries changed after it.",
        z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(200))),
      ),
    ),
  }),
);

const context = {
  runId: text(),
  workflow: text(),
  version: orNull(text()),
  input: z.optional(z.unknown()),
  seed: doc("Seeds the body's randomness: every replay draws the same numbers.", text()),
  startedAt: doc("The body's clock until the first outcome is handed over (ms).", int()),
  codeChange: doc("Set when the run started on other code than the worker's: say so in replay errors.", orNull(text())),
  log: doc("The recorded calls (LogEntry of sdk/core/log.ts) changed after `since`, in the order they changed.", z.array(z.unknown())),
  since: doc('Where `log` starts: "0" for the whole log, else the cursor the poll named in `known`.', text()),
  cursor: doc("Where `log` ends (after every page): send it in a poll's `known` to get only what changes after.", text()),
  logCursor: doc("Set when the log goes on: GET /api/worker/v1/claims/{claim}/log?cursor=… has the rest.", orNull(text())),
};

export const ActivationItem = named("ActivationItem", "Run the workflow body against its log and answer with what it does next.", z.object({ kind: z.literal("activation"), claim: text(), ...context }));

export const TaskItem = named(
  "TaskItem",
  "Run one attempt of a task: a script's, or a body's closure reached by replaying the run to `key`.",
  z.object({
    kind: z.literal("task"),
    claim: text(),
    runId: text(),
    key: text(),
    name: text(),
    attempt: int(),
    deadline: doc("When the attempt times out (ms).", int()),
    script: orNull(z.object({ path: text(), args: z.optional(z.unknown()) })),
    activation: orNull(z.object(context)),
  }),
);

export const WorkItems = named("WorkItems", "What a poll hands out (empty when the queue stayed idle).", z.object({ items: z.array(z.union([ActivationItem, TaskItem])) }));

export const HeartbeatView = named("HeartbeatView", "Whether the claimed work is still wanted; stop it when not.", z.object({ wanted: z.boolean() }));

const Outcome = z.union([z.strictObject({ ok: z.literal(true), value: z.optional(z.unknown()) }), z.strictObject({ ok: z.literal(false), error: ErrorView })]);

const LogLine = z.strictObject({ level: z.enum(["log", "info", "warn", "error", "debug"]), message: z.string().check(z.maxLength(16_384)), at: int() });

const seconds = () => z.number().check(z.minimum(0), z.maximum(365 * 24 * 3600));

/** Task options with their defaults applied, as sdk/options.ts's ResolvedTaskOptions. */
const ResolvedOptions = z.strictObject({
  retries: z.strictObject({ limit: int().check(z.minimum(0), z.maximum(100)), delay: seconds(), backoff: z.enum(["constant", "linear", "exponential"]), maxDelay: z.optional(seconds()) }),
  timeout: seconds().check(z.positive()),
  heartbeatTimeout: z.optional(seconds().check(z.minimum(1))),
  cacheTtl: z.optional(seconds()),
  cacheKey: z.optional(z.unknown()),
  concurrency: z.optional(z.strictObject({ key: name(), limit: int().check(z.minimum(1)), window: z.optional(seconds()) })),
  priority: z.optional(z.number()),
  tag: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/))),
  queue: z.optional(z.string().check(z.regex(QUEUE_NAME))),
});

export const NewCallBody = named(
  "NewCall",
  "A call the body made that the log does not hold (sdk/core/execution-types.ts).",
  z.strictObject({
    key: name(),
    branch: z.string().check(z.maxLength(2_000)),
    seq: int().check(z.minimum(0)),
    kind: z.enum(["task", "step", "sleep", "approval", "event", "flow", "patch"]),
    name: name(),
    attempt: int().check(z.minimum(1)),
    seconds: z.optional(z.number().check(z.minimum(0))),
    until: z.optional(int()),
    event: z.optional(z.strictObject({ name: name(), timeout: z.number().check(z.positive()) })),
    approval: z.optional(z.strictObject({ to: z.array(z.string()), subject: z.string(), message: z.string(), timeout: z.number().check(z.positive()), data: z.optional(z.unknown()) })),
    options: z.optional(ResolvedOptions),
    script: z.optional(z.strictObject({ path: name(), args: z.optional(z.unknown()) })),
    flow: z.optional(z.strictObject({ path: name(), input: z.optional(z.unknown()), timeout: z.optional(z.number().check(z.positive())) })),
  }),
);

const Command = z.union([
  z.strictObject({ kind: z.literal("call"), call: NewCallBody }),
  z.strictObject({ kind: z.literal("step_result"), key: name(), attempt: int().check(z.minimum(1)), outcome: Outcome }),
  z.strictObject({ kind: z.literal("complete"), output: z.optional(z.unknown()) }),
  z.strictObject({ kind: z.literal("fail"), error: ErrorView }),
]);

export const CompleteBody = named(
  "CompleteBody",
  "A worker's answer to its claim: a task's outcome (and what its code printed), or an activation's commands.",
  z.strictObject({ outcome: z.optional(Outcome), logs: z.optional(z.array(LogLine).check(z.maxLength(1_000))), commands: z.optional(z.array(Command).check(z.maxLength(10_000))) }),
);

export const CompleteView = named("CompleteView", "Whether the answer changed the run (false: it came too late or twice; nothing changed).", z.object({ accepted: z.boolean() }));

export const LogPageView = named("LogPageView", "More of an activation's log.", z.object({ log: z.array(z.unknown()), logCursor: orNull(text()), cursor: text() }));

export const LogPageQuery = z.strictObject({ cursor: ClaimParam });

export const WorkerView = named(
  "WorkerView",
  "A worker that registered: what it runs and when it was last seen.",
  z.object({
    id: text(),
    language: text(),
    sdk: text(),
    queue: text(),
    host: orNull(text()),
    online: doc("Seen within the last 45 seconds (a worker registers every 15).", z.boolean()),
    firstSeen: text(),
    lastSeen: text(),
    workflows: doc("How many workflows it serves.", int()),
    scripts: doc("How many scripts it serves.", int()),
  }),
);

export const WorkersList = named(
  "WorkersList",
  "The workers seen (most recent first) and each queue's load.",
  z.object({ workers: z.array(WorkerView), queues: z.array(z.object({ queue: text(), waiting: int(), inFlight: int(), oldestWaitingAt: orNull(text()) })) }),
);

/** What a worker replays a body from: the run's input, seed, clock and (a page of) its log. */
export type ActivationContext = Omit<z.infer<typeof ActivationItem>, "kind" | "claim">;
/** One task attempt as a worker runs it. */
export type RemoteTask = Omit<z.infer<typeof TaskItem>, "kind" | "claim">;

/** A worker command, as the route validated it. */
export type WorkerCommand = z.infer<typeof Command>;
/** A worker's answer, as the route validated it. */
export type WorkerAnswer = z.infer<typeof CompleteBody>;
