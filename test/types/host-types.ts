// Checked by `npm run typecheck` (never run): createBaton() carries each workflow's input
// and output types to start and get, and TypedBatonService to a service binding's
// caller; a wrong name or input does not compile.
import { workflow } from "baton-workflows";
import { createBaton, type TypedBatonService } from "baton-workflows/worker";

const greet = workflow(async (input: { name: string }) => ({ greeting: `hello, ${input.name}` }));
const workflows = { greet };

/** Calls every typed operation once; the expect-error lines are the checks. */
export async function typedCalls(env: unknown, service: TypedBatonService<typeof workflows>): Promise<string | undefined> {
  const baton = createBaton({ workflows });
  await baton.start(env, "greet", { name: "Ada" }, { idempotencyKey: "k" });
  // @ts-expect-error the input is the workflow's
  await baton.start(env, "greet", { name: 1 });
  // @ts-expect-error no workflow by that name
  await baton.start(env, "nope", {});
  const run = await baton.get<"greet">(env, "an-id");
  const greeting: string | undefined = run.output?.greeting;
  await service.start("greet", { name: "Bo" });
  // @ts-expect-error the input is the workflow's, over the binding too
  await service.start("greet", { nom: "Bo" });
  const called = await service.get<"greet">("an-id");
  return greeting ?? called.output?.greeting;
}
