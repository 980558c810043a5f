// A TypeScript workflow awaiting a Python workflow as its child flow (uuid_capture in
// python/examples/), then checking what the child returned.
import { task, taskFlow, workflow } from "baton-workflows";

export default workflow(async () => {
  const child = await taskFlow<{ first: string; second: string; body: string }>("uuid_capture", {});
  return task("check", () => ({ agree: child.first === child.second && child.second === child.body, id: child.body }));
});
