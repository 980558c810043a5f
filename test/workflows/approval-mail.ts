// An approval whose subject and message come from the input: for testing what the email carries.
import { waitForApproval, workflow } from "baton-workflows";

export default workflow(async (input: { subject: string; message: string; to?: string[] }) =>
  waitForApproval({ to: input.to ?? ["ops@example.com"], subject: input.subject, message: input.message }),
);
