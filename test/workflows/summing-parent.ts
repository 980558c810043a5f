// Waits for a summing chain as its child: taskFlow settles with the chain's last run's output.
import { taskFlow, workflow } from "baton-workflows";

export default workflow(async (input: { n: number; total: number; hold?: boolean }) => ({ total: await taskFlow<number>("summing", input) }));
