// A task that prints more lines than the event stream tells of one attempt.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { lines: number }) => {
  return await task("print", async () => {
    for (let i = 1; i <= input.lines; i++) console.log(`line ${i}`);
    return input.lines;
  });
});
