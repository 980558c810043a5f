// Schedules before anything runs: workflow()'s options, the registry build refusing a
// cron expression it cannot read (naming the file) when strict and listing it as broken
// otherwise, and the Worker's registry doing the same for a schedule the build could not see.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, workflow, type WorkflowOptions } from "baton-workflows";
import { buildRegistry } from "../../scripts/build-registry.mjs";
import { declaredSchedule } from "../../sdk/bin/declared-schedule.mjs";
import { Registry } from "../../src/registry.ts";

const body = async () => null;

describe("workflow() options", () => {
  it("fills in the defaults: UTC and overlap skip", () => {
    expect(workflow(body, { schedule: " 0 9 * * 1-5 " }).schedule).toEqual({ cron: "0 9 * * 1-5", timezone: "UTC", overlap: "skip" });
    expect(workflow(body).schedule).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ["an unknown key", { schedule: "* * * * *", every: 5 }, /no option "every"/],
    ["an empty schedule", { schedule: " " }, /must be a cron expression/],
    ["a time zone that does not exist", { schedule: "* * * * *", timezone: "Mars/Olympus" }, /IANA time zone/],
    ["an overlap other than skip or allow", { schedule: "* * * * *", overlap: "queue" }, /"skip" or "allow"/],
    ["a time zone without a schedule", { timezone: "UTC" }, /only apply with a schedule/],
  ])("refuses %s", (_, options, message) => {
    expect(() => workflow(body, options as WorkflowOptions)).toThrow(InvalidArgumentError);
    expect(() => workflow(body, options as WorkflowOptions)).toThrow(message);
  });
});

describe("the registry build", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function build(files: Record<string, string>, strict = true): () => number {
    dir = mkdtempSync(join(tmpdir(), "baton-schedules-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return () => buildRegistry(dir, join(dir, "out/registry.ts"), { strict });
  }

  /** The `broken` map a non-strict build wrote, parsed from the generated module. */
  function brokenMap(): Record<string, { file: string; line: number; column: number; message: string }> {
    const text = readFileSync(join(dir, "out/registry.ts"), "utf8");
    const body = /export const broken[^=]*= \{\n([^]*?)\n?\};/.exec(text)?.[1] ?? "";
    return JSON.parse(`{${body.trim().replace(/,$/, "")}}`) as Record<string, { file: string; line: number; column: number; message: string }>;
  }

  it("lists what does not build instead of failing (dev): a syntax error, a missing default export, a bad cron, with file and line", () => {
    const run = build(
      {
        "fine.ts": 'import { workflow } from "baton-workflows";\nexport default workflow(async () => 1);\n',
        "syntax.ts": 'import { workflow } from "baton-workflows";\n\nexport default workflow(async () => {\n  const x = ;\n});\n',
        "missing.ts": 'import { workflow } from "baton-workflows";\nimport { helper } from "./nowhere.ts";\nexport default workflow(async () => helper());\n',
        "nodefault.ts": 'import { workflow } from "baton-workflows";\nexport const flow = workflow(async () => 1);\n',
        "nightly.ts": 'import { workflow } from "baton-workflows";\nexport default workflow(async () => 1, { schedule: "0 25 * * *" });\n',
      },
      false,
    );
    expect(run).not.toThrow();
    const broken = brokenMap();
    expect(Object.keys(broken).sort()).toEqual(["missing", "nightly", "nodefault", "syntax"]);
    expect(broken.syntax).toMatchObject({ line: 4, column: 13, message: expect.stringMatching(/Unexpected ";"/) });
    expect(broken.syntax?.file).toMatch(/syntax\.ts$/);
    expect(broken.missing).toMatchObject({ line: 2, message: expect.stringMatching(/Could not resolve "\.\/nowhere\.ts"/) });
    expect(broken.nodefault?.message).toMatch(/no default export/);
    expect(broken.nightly).toMatchObject({ line: 2 });
    expect(broken.nightly?.message).toMatch(/schedule "0 25 \* \* \*" is not a cron expression/);
    const text = readFileSync(join(dir, "out/registry.ts"), "utf8");
    expect(text).toMatch(/"fine": m\d+\.default/);
    expect(text).not.toMatch(/from ".*(syntax|missing|nodefault|nightly)\.ts"/);
  });

  it("fails a strict build (wrangler deploy) on a file that does not build, naming file, line and column", () => {
    const run = build({ "fine.ts": 'export default 1;\n', "syntax.ts": 'import { workflow } from "baton-workflows";\nexport default workflow(async () => {\n  const x = ;\n});\n' });
    expect(run).toThrow(/syntax\.ts:3:13: Unexpected ";"/);
  });

  it("fails on a schedule that is not a cron expression, naming the file and what is wrong", () => {
    const run = build({
      "fine.ts": 'import { workflow } from "baton-workflows";\nexport default workflow(async () => 1, { schedule: "*/5 * * * *" });\n',
      "nightly.ts": 'import { workflow } from "baton-workflows";\nexport default workflow(async () => 1, {\n  schedule: "0 25 * * *", // 25 is no hour\n});\n',
    });
    expect(run).toThrow(/nightly\.ts:3:3: schedule "0 25 \* \* \*" is not a cron expression: .*hour/);
  });

  it.each([
    ["six fields (seconds)", '{ schedule: "0 * * * * *" }', /requires exactly 5 parts/],
    ["a date that never comes", '{ schedule: "0 0 31 2 *" }', /never matches/],
    ["an unknown time zone", '{ schedule: "0 9 * * *", timezone: "Europe/Atlantis" }', /timezone "Europe\/Atlantis"/],
  ])("fails on %s", (_, options, message) => {
    expect(build({ "job.ts": `import { workflow } from "baton-workflows";\nexport default workflow(async () => 1, ${options});\n` })).toThrow(message);
  });

  it("reads only workflow()'s own options: not a schedule in the body, a comment or a string", () => {
    const source = [
      'import { task, workflow } from "baton-workflows";',
      '// workflow(fn, { schedule: "not checked" })',
      "export default workflow(async () => {",
      '  const text = "workflow(x, { schedule: \\"bad\\" })";',
      '  return task(async () => ({ schedule: "weekly", url: "https://example.com/(a" }));',
      '}, { schedule: "@daily", overlap: "allow" });',
    ].join("\n");
    expect(declaredSchedule(source)).toEqual({ schedule: "@daily", overlap: "allow" });
    expect(build({ "daily.ts": source })).not.toThrow();
  });

  it("leaves a schedule that is not a literal to the Worker, which refuses it when it starts, naming the file", () => {
    const source = 'import { workflow } from "baton-workflows";\nconst cron = "every day";\nexport default workflow(async () => 1, { schedule: cron });\n';
    expect(declaredSchedule(source)).toEqual({ schedule: null });
    expect(build({ "computed.ts": source })).not.toThrow();
    const registry = new Registry();
    expect(() => registry.add({ computed: { module: { default: workflow(body, { schedule: "every day" }) }, version: "v1", companion: false } })).toThrow(
      /workflows\/computed\.ts: schedule "every day" is not a cron expression/,
    );
  });
});
