// A TypeScript script a Python workflow calls with taskScript.
import { script } from "baton-workflows";

export default script((args: { x: number }) => ({ doubled: args.x * 2 }));
