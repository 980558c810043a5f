import { describe, expect, it } from "vitest";
import { itemBranch, ROOT_BRANCH, stepKey } from "../../sdk/core/step-key.ts";

describe("step keys", () => {
  it("are name#occurrence in the workflow body", () => {
    expect(stepKey(ROOT_BRANCH, "fetch", 0)).toBe("fetch#0");
    expect(stepKey(ROOT_BRANCH, "fetch", 2)).toBe("fetch#2");
  });

  it("carry the parallel item's branch path", () => {
    const branch = itemBranch(stepKey(ROOT_BRANCH, "parallel", 0), 3);
    expect(stepKey(branch, "task", 1)).toBe("parallel#0[3]/task#1");
    const nested = itemBranch(stepKey(branch, "parallel", 0), 1);
    expect(stepKey(nested, "save", 0)).toBe("parallel#0[3]/parallel#0[1]/save#0");
  });

  it("escape the characters that structure a key, so no name forges another step's key", () => {
    expect(stepKey(ROOT_BRANCH, "parallel#0[3]/task", 1)).toBe("parallel%230%5B3%5D%2Ftask#1");
    expect(stepKey(ROOT_BRANCH, "100%", 0)).toBe("100%25#0");
    expect(stepKey(ROOT_BRANCH, "GET https://x", 0)).not.toBe(stepKey(ROOT_BRANCH, "GET https:", 0));
  });
});
