// The `baton` package (sdk/) is self-contained and portable: it imports nothing
// outside its own folder, nothing from Cloudflare, no npm package, and of Node only
// node:async_hooks (in its replay machine); relative imports carry their .ts
// extension, as Deno requires.
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

// Vite reads the files at transform time, so this test needs no Node file APIs.
const texts: Record<string, string> = import.meta.glob<string>(["../../sdk/**/*.ts", "!../../sdk/dist/**", "!../../sdk/node_modules/**"], {
  query: "?raw",
  import: "default",
  eager: true,
});

function imports(file: string): string[] {
  const text = texts[file] ?? "";
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/g), ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (match) => match[1] ?? "",
  );
}

/** `spec` imported by `file`, as a path from the project root (both start with ../../). */
function resolved(file: string, spec: string): string {
  const parts = file.split("/").slice(0, -1);
  for (const part of spec.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

describe("the baton package (sdk/)", () => {
  const files = Object.keys(texts);

  it("finds the files it checks", () => {
    expect(files).toContain("../../sdk/index.ts");
    expect(files).toContain("../../sdk/core/execution.ts");
    expect(files).toContain("../../sdk/testing/index.ts");
  });

  it("imports nothing outside its own folder", () => {
    for (const file of files) {
      for (const spec of imports(file).filter((s) => s.startsWith("."))) expect(`${file}: ${resolved(file, spec)}`).toMatch(/: \.\.\/\.\.\/sdk\//);
    }
  });

  it("imports no npm package, nothing from Cloudflare, and of Node only node:async_hooks in core/", () => {
    for (const file of files) {
      for (const spec of imports(file).filter((s) => !s.startsWith("."))) {
        expect(`${file}: ${spec}`).toMatch(file.startsWith("../../sdk/core/") ? /: node:async_hooks$/ : /^$/);
      }
    }
  });

  it("writes every relative import with its .ts extension", () => {
    for (const file of files) {
      for (const spec of imports(file).filter((s) => s.startsWith("."))) expect(`${file}: ${spec}`).toMatch(/\.ts$/);
    }
  });
});
