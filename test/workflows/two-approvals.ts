// Two approvals in parallel branches.
import { parallel, waitForApproval, workflow } from "baton-workflows";

export default workflow(async () =>
  parallel(["alpha", "beta"], async (who) => {
    const result = await waitForApproval({ message: `approve ${who}` });
    return `${who}:${result.decision}`;
  }),
);
