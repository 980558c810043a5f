// sdk/ and src/core/ must run unchanged on Workers, Deno and Node: no Cloudflare
// imports, no Node imports in sdk/, and relative imports with their .ts extension.
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

// Vite reads the files at transform time, so this test needs no Node file APIs.
const texts: Record<string, string> = {
  ...import.meta.glob<string>("../../sdk/**/*.ts", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob<string>("../../src/core/**/*.ts", { query: "?raw", import: "default", eager: true }),
};

function sources(dir: string): string[] {
  return Object.keys(texts).filter((file) => file.startsWith(`../../${dir}/`));
}

function imports(file: string): string[] {
  const text = texts[file] ?? "";
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/g), ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (match) => match[1] ?? "",
  );
}

describe("portability of sdk/ and src/core/", () => {
  const files = [...sources("sdk"), ...sources("src/core")];

  it("finds the files it checks", () => {
    expect(files).toContain("../../sdk/index.ts");
    expect(files).toContain("../../src/core/execution.ts");
  });

  it("imports nothing from Cloudflare", () => {
    for (const file of files) {
      for (const spec of imports(file)) expect(`${file}: ${spec}`).not.toMatch(/: (cloudflare:|@cloudflare\/)/);
    }
  });

  it("keeps sdk/ free of Node imports; src/core/ uses node:async_hooks alone", () => {
    for (const file of sources("sdk")) {
      for (const spec of imports(file)) expect(`${file}: ${spec}`).not.toMatch(/: node:/);
    }
    const nodeImports = sources("src/core").flatMap((file) => imports(file).filter((spec) => spec.startsWith("node:")));
    expect(new Set(nodeImports)).toEqual(new Set(["node:async_hooks"]));
  });

  it("writes every relative import with its .ts extension, as Deno requires", () => {
    for (const file of files) {
      for (const spec of imports(file).filter((s) => s.startsWith("."))) expect(`${file}: ${spec}`).toMatch(/\.ts$/);
    }
  });
});
