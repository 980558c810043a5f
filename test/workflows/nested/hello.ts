// Registered as "nested/hello": paths with slashes are workflow names too.
import { step, workflow } from "baton-workflows";

export default workflow(async (input: { name: string }) => step("greet", () => `hello, ${input.name}`));
