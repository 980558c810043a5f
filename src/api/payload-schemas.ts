// The API's shapes of values kept by reference in BATON_PAYLOADS: a run's input or
// output, or a step's output, over 128 KiB is not inlined in its view; the view says its
// size and where to download it. And the request body limits, which rise with the bucket.

import * as z from "zod/mini";
import { doc, int, named, text } from "./schema-kit.ts";

/** Largest accepted body of `POST /api/runs` (and of an event) without a BATON_PAYLOADS bucket, and so the largest run input. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** The same with a BATON_PAYLOADS bucket: 100 MB, what Workers accept as a request body (Free and Pro plans). */
export const MAX_KEPT_INPUT_BYTES = 100_000_000;

export const KeptValueView = named(
  "KeptValueView",
  "A value kept in the BATON_PAYLOADS R2 bucket instead of inline (its JSON is over 128 KiB): its size, and the URL that streams it (same token).",
  z.object({
    bytes: doc("The size of its JSON (UTF-8 bytes).", int()),
    href: doc("Where GET streams the value as application/json, e.g. /api/runs/{id}/output.", text()),
  }),
);

/** What a download of a value answers: the value's JSON, whatever it is (null when there is none). */
export const KeptValueJson = named("KeptValueJson", "A value as JSON, streamed from BATON_PAYLOADS when kept there; null when there is none.", z.unknown());

/** The reference fields of a run's view (RunDetail). */
export const RUN_KEPT_VALUES = {
  inputRef: doc("Set when the input is kept in BATON_PAYLOADS (`input` is then null): GET its href for the value.", z.optional(KeptValueView)),
  outputRef: doc("Set when the output is kept in BATON_PAYLOADS (`output` is then null): GET its href for the value.", z.optional(KeptValueView)),
};

/** The reference field of a step's view with its output (StepDetail). */
export const STEP_KEPT_OUTPUT = {
  outputRef: doc("Set when the step's result is kept in BATON_PAYLOADS (`output` is then null): GET its href for the value.", z.optional(KeptValueView)),
};
