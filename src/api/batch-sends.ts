// A batch start's first task messages, sent together: each run object of the batch holds
// back its first send (TaskDispatch.handOff) and answers it, and the batch sends them with
// `Queue.sendBatch`, up to 100 messages (and 256 KB) per call, a call as soon as one is
// full, so consumers start on the first runs while the rest are still being started.
// A message the batch fails to send (or never sends: its Worker died) is a lost message
// to the run object, which recorded the attempt with its deadline before answering, and
// whose alarm re-sends it (see "Delivery rules" in DESIGN.md).

import { toErrorData } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { TaskMessage } from "../tasks/messages.ts";
import type { HeldSends } from "../tasks/dispatch.ts";
import { queueFor } from "../tasks/task-queues.ts";

/** Most messages per `sendBatch` call, and most bytes of their bodies, as Cloudflare Queues take them. */
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 256 * 1024 - 8 * 1024;

/** Collects the held sends of a batch's runs and sends them in full queue batches. */
export class BatchSends {
  private readonly pending = new Map<string | undefined, { messages: TaskMessage[]; bytes: number }>();
  private readonly sending: Promise<void>[] = [];
  private readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  /** Adds a run's held messages; sends a queue's batch once it is full. */
  add(held: readonly HeldSends[]): void {
    for (const { tag, messages } of held) {
      for (const message of messages) {
        const bytes = JSON.stringify(message).length;
        const open = this.pending.get(tag) ?? { messages: [], bytes: 0 };
        if (open.messages.length >= BATCH_MESSAGES || open.bytes + bytes > BATCH_BYTES) {
          this.send(tag, open.messages);
          open.messages = [];
          open.bytes = 0;
        }
        open.messages.push(message);
        open.bytes += bytes;
        this.pending.set(tag, open);
      }
    }
  }

  /** Sends what is left and waits for every send; a failed one is logged (the run objects re-send it). */
  async flush(): Promise<void> {
    for (const [tag, open] of this.pending) if (open.messages.length > 0) this.send(tag, open.messages);
    this.pending.clear();
    await Promise.all(this.sending);
  }

  private send(tag: string | undefined, messages: TaskMessage[]): void {
    const queue = queueFor(this.env, tag);
    // The run object routed these to this tag's queue: it has a binding.
    if (typeof queue === "string") return console.error(`baton: a batch's task messages have no queue (the run objects re-send them): ${queue}`);
    this.sending.push(
      queue.sendBatch(messages.map((body) => ({ body }))).then(
        () => undefined,
        (error: unknown) => {
          console.error(`baton: a batch's ${messages.length} task messages were not sent; their runs re-send them at their deadline: ${toErrorData(error).message}`);
        },
      ),
    );
  }
}
