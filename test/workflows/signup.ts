// A workflow whose input and output are declared with zod (any Standard Schema works):
// a start with an input that does not fit is refused, and the body gets it typed and
// with its defaults filled in.
import { task, workflow } from "baton-workflows";
import * as z from "zod";

const Signup = z.object({ email: z.email(), age: z.number().int().min(18), plan: z.enum(["free", "pro"]).default("free") });
const Welcome = z.object({ welcome: z.string() });

export default workflow(
  async (input) => {
    const welcome = await task("welcome", async () => `welcome ${input.email} to ${input.plan}`);
    // A bad result fails the run with InvalidOutputError: asked for with {age: 99}.
    return input.age === 99 ? ({ welcome: 99 } as unknown as z.infer<typeof Welcome>) : { welcome };
  },
  { input: Signup, output: Welcome },
);
