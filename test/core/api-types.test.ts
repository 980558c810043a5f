// sdk/client/api-types.ts is generated from the API's schemas: it must be what the
// generator writes today, and the run statuses it names must be the engine's.
import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { RunStatus as EngineRunStatus } from "baton/engine";
import type { RunStatus as ApiRunStatus } from "baton/client";
import { API_TYPES_FILE, apiTypesSource } from "../../scripts/api-types.ts";

describe("sdk/client/api-types.ts", () => {
  it("is what `npm run api-types` generates from the schemas (run it after changing src/api/schemas.ts)", () => {
    expect(readFileSync(API_TYPES_FILE, "utf8")).toBe(apiTypesSource());
  });

  it("names the engine's run statuses", () => {
    expectTypeOf<ApiRunStatus>().toEqualTypeOf<EngineRunStatus>();
  });
});
