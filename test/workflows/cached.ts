// One task whose result is cached by SKU.
import { task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; sku: string; value: number; ttl: number; regionFirst?: boolean }) =>
  task(
    "price",
    async () => {
      await hit(`${input.tag}:price`);
      return input.value;
    },
    // The same key written in either order.
    { cacheTtl: input.ttl, cacheKey: input.regionFirst ? { region: "eu", sku: input.sku } : { sku: input.sku, region: "eu" } },
  ),
);
