// One task whose result is cached by SKU.
import { task, workflow } from "baton";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; sku: string; value: number; ttl: number }) =>
  task(
    "price",
    async () => {
      await hit(`${input.tag}:price`);
      return input.value;
    },
    { cacheTtl: input.ttl, cacheKey: { sku: input.sku } },
  ),
);
