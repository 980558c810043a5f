// A TypeScript child flow a Python workflow awaits: one task, its result from the input.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { from: string }) => task("greet", () => `hello ${input.from} from TypeScript`));
