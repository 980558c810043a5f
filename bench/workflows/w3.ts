// W3 (and the single-run building block): one task.
import { task, workflow } from "baton-workflows";

export default workflow(async () => task("one", () => 1));
