// Starts a signup as a child run with the input it is given; catches the refusal of one that does not fit.
import { taskFlow, workflow } from "baton-workflows";

export default workflow(async (input: { child: unknown }) => {
  try {
    return { ok: await taskFlow("signup", input.child) };
  } catch (error) {
    return { refused: (error as Error).name, message: (error as Error).message };
  }
});
