// `baton/engine`: what a host of runs needs from the replay machine — the Worker's run
// object and queue consumer, and the in-memory runner. Not for workflow authors.

export { childOutcome, type AttemptFacts, type LogEntry, type Outcome, type RunEnd, type RunOutcome, type Settled, type StepKind, type StepStatus } from "./log.ts";
export { Execution, IDLE_HOST, runClosure, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall, type Resolver, type TaskClosure, type WorkflowBody } from "./execution.ts";
export { errorDataOf, fromErrorData, MAX_CAUSE_DEPTH, toErrorData, withoutStacks, type ErrorData } from "./error-data.ts";
export { canonicalJson, carryLargeValues, decodeJson, encodeJson, jsonDepth, MAX_JSON_BYTES, MAX_JSON_DEPTH, receivedJsonProblem, toJson, toValueJson, type Json } from "./json.ts";
export { isPayloadRef, MAX_PAYLOAD_BYTES, MAX_RUN_PAYLOAD_BYTES, PAYLOAD_INLINE_BYTES, payloadLoadError, type PayloadLoader, type PayloadRef } from "./payloads.ts";
export { macrotask } from "./macrotask.ts";
export { codeChangeNote } from "./replay-errors.ts";
export { isReplayFailure, isRetryable, retryDelayMs } from "./retry-policy.ts";
export { MirrorCache, RunMirror } from "./run-mirror.ts";
export { runTaskByReplay } from "./task-replay.ts";
export { ROOT_BRANCH, stepKey } from "./step-key.ts";
export { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, DEFAULT_TASK_OPTIONS, heartbeatTimeoutMs, resolveTaskOptions, type ResolvedTaskOptions } from "../options.ts";
export { toSeconds } from "../duration.ts";
export { approvalRequest, type ApprovalRequest, type ApprovalResult } from "../approval.ts";
export { housekeepingBackoffMs } from "./backoff.ts";
export { MAX_RESENDS, RunMachine, LIVENESS_MS, taskDeadlineMs, WATCHDOG_GRACE_MS, type Decided, type Decision, type DueWork, type RunEffect } from "./run-machine/run-machine.ts";
export { isOpenStep, isTerminal, OPEN_STEP_STATUSES, RUN_STATUSES, TERMINAL_RUN_STATUSES, type RunStatus } from "./run-machine/statuses.ts";
export type { LeaseChange, StepChange, StepGuard, StepRecord, StepStorage, StepTally, TaskClaim } from "./run-machine/storage.ts";
export { stepView } from "./run-machine/step-view.ts";
export { logLinesOf, MAX_LOG_BYTES, type LogLevel, type LogLine } from "./closure-logs.ts";
export { MAX_RUN_STEPS } from "./limits.ts";
export { CANCEL_GRACE_MS, CANCEL_KEY } from "./cancellation.ts";
export { ROLLBACK_BRANCH } from "./rollbacks.ts";
export { runInfoOf, sendOnceKey, sendRequest, type RunFacts, type RunInfo, type SendRequest } from "./run-info.ts";
export type { EventUrlMaker, EventUrlRequest } from "./event-url-host.ts";
export { MAX_STATE_BYTES, publishedOf, type PublishedState, type QueryAnswer } from "./published-state.ts";
export { readUpdate, recordUpdate, storeAnswers, updateKey, updatesOfExecution, type UpdateAnswer, type UpdateRecord, type UpdateView } from "./updates.ts";
