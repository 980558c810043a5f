// runLocally's approvals: `options.approve` answers each request the body makes; with
// none, the run cannot go on, and the test fails saying how to answer.

import type { ApprovalRequest } from "../approval.ts";
import { UnansweredApprovalError } from "../errors.ts";
import type { ApprovalAnswer, LocalRunOptions } from "./types.ts";
import type { VirtualClock } from "./virtual-clock.ts";

/** Asks `options.approve` about approval `key` and hands a non-null answer to `decide`; without `approve`, fails the run's clock. */
export function askLocally(options: LocalRunOptions, clock: VirtualClock, key: string, request: ApprovalRequest, decide: (answer: NonNullable<ApprovalAnswer>) => void): void {
  const approve = options.approve;
  if (!approve) {
    clock.fail(
      new UnansweredApprovalError(
        `the workflow waits for approval "${key}" (${JSON.stringify(request.message)}, to ${request.to.join(", ") || "nobody"}) ` +
          `and nothing answers it: pass runLocally(workflow, input, { approve: (request) => ({ approved: true }) })`,
      ),
    );
    return;
  }
  clock.track(
    Promise.resolve(approve({ key, message: request.message, subject: request.subject, to: [...request.to], data: request.data })).then((answer) => {
      // Unanswered: the approval runs into its timeout, which the machine settles.
      if (answer === null || answer === undefined) return;
      decide(answer);
    }),
  );
}
