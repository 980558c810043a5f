// Returns its input: many small runs for the console's run list (bench/console.ts).
import { workflow } from "baton-workflows";

export default workflow(async (input: unknown) => input ?? null);
