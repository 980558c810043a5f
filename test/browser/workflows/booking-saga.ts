// A booking saga: a flight and a hotel are booked (tasks with rollbacks), then the car
// fails; the hotel's rollback runs, then the flight's, and the run ends failed. With
// `pause`, it sleeps an hour before the car (for a cancel with rollback to find).
import { FatalError, sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { traveller: string; pause?: boolean }) => {
  const flight = await task("book-flight", () => ({ ref: `FL-${input.traveller}` }), {
    rollback: ({ output }) => `cancelled flight ${output.ref}`,
  });
  const hotel = await task("book-hotel", () => ({ ref: `HO-${input.traveller}` }), {
    rollback: ({ output, error }) => `cancelled hotel ${output.ref} after ${error.message}`,
  });
  if (input.pause) await sleep("pay", "1 hour");
  const car = await task("book-car", () => {
    throw new FatalError("no cars left");
  });
  return { flight, hotel, car };
});
