// Returns what currentRun() says of the run, read in the body and in a task closure (a
// queue consumer's replay gets the same facts), so a test sees them after restarts.
import { currentRun, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const me = currentRun();
  const inTask = await task("who", () => ({ id: me.id, attempt: me.attempt, restartOf: me.restartOf }));
  return { id: me.id, attempt: me.attempt, restartOf: me.restartOf, inTask };
});
