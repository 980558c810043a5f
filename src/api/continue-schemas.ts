// The fields of a run's summary and detail that link the runs of a continueAsNew chain
// both ways, spread into RunSummary (schemas.ts) so lists, streams and details carry them.

import * as z from "zod/mini";
import { doc, text } from "./schema-kit.ts";

/** The chain links of a run: absent for a run that neither continued another nor was continued. */
export const continuationShape = {
  continuedFrom: z.optional(doc("The run this one continues (its continueAsNew started this run).", text())),
  continuedAs: z.optional(doc('The run this one continued as (status "continued"): follow it to the chain\'s next run. Set in the write that ended this run; the successor exists by the time this is read.', text())),
};
