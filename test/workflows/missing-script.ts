// Calls a script path nothing is registered at.
import { taskScript, workflow } from "baton-workflows";

export default workflow(async () => taskScript("reports/none", {}));
