// The body of `POST /api/runs/{id}/cancel`: optional (an empty body cancels as before),
// `{ "rollback": true }` to run the completed steps' rollbacks before the run ends.
// Kept apart from schemas.ts (at its size limit); registered in the same API_SCHEMAS.

import * as z from "zod/mini";
import { doc, named } from "./schema-kit.ts";

// Strict: a misspelt "rolback" must not silently cancel without the compensations.
export const CancelBody = named(
  "CancelBody",
  "How to cancel: with rollback, the rollbacks of the steps that completed run (newest first) before the run ends cancelled.",
  z.strictObject({
    rollback: z.optional(doc("Run the completed steps' rollbacks first (default false).", z.boolean({ error: "rollback must be true or false" }))),
  }),
);
export type CancelBody = z.infer<typeof CancelBody>;
