// A booking saga: book a flight and a hotel (tasks with rollbacks), take a quote (an
// inline step without one), then book a car, which fails. Each rollback counts itself
// in the Probe under the order it ran in (`<tag>:undo:<what>:<n>`). With `holdHotelUndo`
// the hotel's rollback runs until the test releases it (`<tag>:release`); with `pause`
// the run sleeps before the car (for a cancel to find it sleeping); with `carWorks` the
// car is booked and the run completes.
import { FatalError, sleep, step, task, workflow } from "baton-workflows";
import { count, hit } from "../hit.ts";

interface Input {
  tag: string;
  holdHotelUndo?: boolean;
  pause?: boolean;
  carWorks?: boolean;
}

/** Counts one run of the rollback of `what`, with its place among the run's rollbacks. */
async function undo(tag: string, what: string): Promise<string> {
  const n = await hit(`${tag}:undo`);
  await hit(`${tag}:undo:${what}:${n}`);
  return `${what} undone`;
}

export default workflow(async (input: Input) => {
  const flight = await task("book-flight", async () => {
    await hit(`${input.tag}:flight`);
    return { ref: "FL-1" };
  }, { rollback: ({ output }) => undo(input.tag, `flight ${output.ref}`) });
  const quote = await step("quote", () => 120);
  const hotel = await task("book-hotel", async () => ({ ref: "HO-1" }), {
    rollback: async ({ output, error }) => {
      await hit(`${input.tag}:hotel-undo:started`);
      while (input.holdHotelUndo && (await count(`${input.tag}:release`)) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      return undo(input.tag, `hotel ${output.ref} after ${error.name}`);
    },
  });
  if (input.pause) await sleep("pay", "1 hour");
  const car = await task("book-car", () => {
    if (!input.carWorks) throw new FatalError("no cars left");
    return { ref: "CA-1" };
  });
  return { flight, quote, hotel, car };
});
