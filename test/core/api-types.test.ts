// The OpenAPI document the Worker serves and sdk/client/api-types.ts are generated from
// the API's schemas: each must be what the generator writes today, and the run
// statuses the types name must be the engine's.
import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { RunStatus as EngineRunStatus } from "baton-workflows/engine";
import type { RunStatus as ApiRunStatus } from "baton-workflows/client";
import { API_TYPES_FILE, apiTypesSource, OPENAPI_FILE, openApiSource } from "../../scripts/api-types.ts";

describe("the generated API files", () => {
  it("src/api/openapi.json is what `npm run api-types` builds from the routes and schemas (run it after changing src/api/)", () => {
    expect(readFileSync(OPENAPI_FILE, "utf8")).toBe(openApiSource());
  });

  it("sdk/client/api-types.ts is what `npm run api-types` generates from the document", () => {
    expect(readFileSync(API_TYPES_FILE, "utf8")).toBe(apiTypesSource());
  });

  it("names the engine's run statuses", () => {
    expectTypeOf<ApiRunStatus>().toEqualTypeOf<EngineRunStatus>();
  });
});
