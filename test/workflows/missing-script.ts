// Calls a script path nothing is registered at.
import { taskScript, workflow } from "baton";

export default workflow(async () => taskScript("reports/none", {}));
