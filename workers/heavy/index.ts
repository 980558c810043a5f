// The consumer Worker for tasks tagged "heavy": the same task consumer as the main
// Worker, deployed on its own (its own CPU limit and batch size) and reaching each
// run's object through a binding to the main Worker's RunObject class.

import type { Env } from "../../src/env.ts";
import { modules } from "../../src/generated/workflows.ts";
import { consumeTasks } from "../../src/tasks/queue-consumer.ts";
import { registry } from "../../src/registry.ts";

registry.add(modules);

export default {
  queue: (batch, env) => consumeTasks(batch, env),
} satisfies ExportedHandler<Env>;
