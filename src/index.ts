// This repository's own Worker: Baton hosted exactly as a user's Worker hosts it, with
// the workflows in workflows/ (the map `npx baton build` writes to src/generated/).

import { createBaton } from "./worker.ts";
import { broken, scripts, versions, workflows } from "./generated/workflows.ts";

export * from "./worker.ts";

const baton = createBaton({ workflows, scripts, versions, broken });

export default {
  fetch: baton.fetch,
  queue: baton.queue,
  scheduled: baton.scheduled,
} satisfies ExportedHandler<Cloudflare.Env>;
