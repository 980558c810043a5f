// Windmill's order example: an order id drawn in the body, captured by two tasks
// either side of a sleep. Every draw is seeded by the run, so replays agree.
import { randomUUID } from "node:crypto";
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const orderId = randomUUID();
  const token = crypto.randomUUID();
  const dice = Math.floor(Math.random() * 6) + 1;
  const bytes = [...crypto.getRandomValues(new Uint8Array(4))];
  const drawn = JSON.stringify({ orderId, token, dice, bytes });
  const reserved = await task("reserve", () => JSON.stringify({ orderId, token, dice, bytes }));
  await sleep("pause", "1 hour");
  const charged = await task("charge", () => JSON.stringify({ orderId, token, dice, bytes }));
  return { reserved: reserved === drawn, charged: charged === drawn, uuid: /^[0-9a-f-]{36}$/.test(orderId), distinct: orderId !== token };
});
