// `baton init` and `baton doctor`: a Worker's wrangler config against what this version
// of Baton needs (src/host-config.ts, the one list). `doctor` says what is missing and
// exactly what to add; `init` adds it, to wrangler.toml or wrangler.jsonc/.json, keeping
// everything already there (comments included) and changing nothing twice. Node only.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { applyEdits, modify, parse as parseJsonc } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";

/** The config files wrangler reads, in the order it prefers them. */
const CONFIG_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/** The config file to work on: `explicit`, or the first wrangler finds in `dir`. */
export function findConfig(dir, explicit) {
  if (explicit) return resolve(dir, explicit);
  for (const name of CONFIG_FILES) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * What `config` (the parsed file) lacks: each need with what it is (`say`), where it goes
 * (`path`, wrangler's keys), the value, and how to add it to TOML (`toml`, a block of lines).
 * Problems that only the user can settle (a binding naming another class) are `warn`ings.
 */
export function needsOf(config, host, version, { hasWorkflowsFolder, mainSource }) {
  const needs = [];
  const warnings = [];
  const flags = config.compatibility_flags ?? [];
  const missingFlags = host.compatibilityFlags.filter((flag) => !flags.includes(flag));
  if (missingFlags.length > 0) needs.push({ say: `compatibility flags ${missingFlags.join(", ")}`, kind: "flags", value: [...flags, ...missingFlags] });
  if (config.compatibility_date && config.compatibility_date < host.compatibilityDate) {
    warnings.push(`compatibility_date is ${config.compatibility_date}; Baton needs ${host.compatibilityDate} or later: raise it (check Cloudflare's compatibility dates for what changes)`);
  }
  const bindings = config.durable_objects?.bindings ?? [];
  for (const object of host.durableObjects) {
    const bound = bindings.find((b) => b.name === object.binding);
    if (!bound) needs.push({ say: `the ${object.binding} Durable Object binding (class ${object.className})`, kind: "array", path: ["durable_objects", "bindings"], toml: "durable_objects.bindings", value: { name: object.binding, class_name: object.className } });
    else if (bound.class_name !== object.className) warnings.push(`the ${object.binding} binding names class ${bound.class_name}; Baton needs ${object.className} (export it from your main module)`);
  }
  const migrations = config.migrations ?? [];
  const declared = new Set(migrations.flatMap((m) => [...(m.new_sqlite_classes ?? []), ...(m.renamed_classes ?? []).map((r) => r.to)]));
  const kv = new Set(migrations.flatMap((m) => m.new_classes ?? []));
  for (const object of host.durableObjects) if (kv.has(object.className)) warnings.push(`class ${object.className} is declared with new_classes (key-value storage); Baton needs it SQLite-backed (new_sqlite_classes)`);
  const undeclared = host.durableObjects.map((o) => o.className).filter((name) => !declared.has(name) && !kv.has(name));
  if (undeclared.length > 0) {
    const tags = new Set(migrations.map((m) => m.tag));
    let tag = `baton-${version}`;
    for (let n = 2; tags.has(tag); n++) tag = `baton-${version}-${n}`;
    needs.push({ say: `a migration creating ${undeclared.join(", ")} (tag ${tag})`, kind: "array", path: ["migrations"], toml: "migrations", value: { tag, new_sqlite_classes: undeclared } });
  }
  const producers = config.queues?.producers ?? [];
  for (const producer of host.queueProducers) {
    if (!producers.some((p) => p.binding === producer.binding)) needs.push({ say: `the ${producer.binding} queue producer (queue ${producer.queue})`, kind: "array", path: ["queues", "producers"], toml: "queues.producers", value: { binding: producer.binding, queue: producer.queue } });
  }
  const consumers = config.queues?.consumers ?? [];
  for (const consumer of host.queueConsumers) {
    const found = consumers.find((c) => c.queue === consumer.queue);
    if (!found) {
      needs.push({ say: `a consumer of the ${consumer.queue} queue`, kind: "array", path: ["queues", "consumers"], toml: "queues.consumers", value: { ...consumer } });
      continue;
    }
    if (consumer.max_retries !== undefined && (found.max_retries ?? 3) < 8) warnings.push(`the consumer of ${consumer.queue} has max_retries ${found.max_retries ?? 3}; Baton needs at least 8 (a consumer on other code hands a task back up to 8 times during a rollout); ${consumer.max_retries} is recommended`);
    if (consumer.dead_letter_queue && found.dead_letter_queue !== consumer.dead_letter_queue) warnings.push(`the consumer of ${consumer.queue} has no dead_letter_queue "${consumer.dead_letter_queue}": a task whose message keeps failing would be dropped instead of failing its attempt`);
    if ((found.max_batch_timeout ?? 5) > 0) warnings.push(`the consumer of ${consumer.queue} waits ${found.max_batch_timeout ?? 5} s to fill a batch; max_batch_timeout = 0 starts each task at once`);
  }
  const crons = config.triggers?.crons ?? [];
  for (const cron of host.crons) if (!crons.includes(cron)) needs.push({ say: `the cron trigger "${cron}" (it ticks the schedules)`, kind: "crons", value: [...crons, cron] });
  const emails = config.send_email ?? [];
  if (!emails.some((e) => e.name === host.sendEmail)) needs.push({ say: `the ${host.sendEmail} send_email binding (approval emails)`, kind: "array", path: ["send_email"], toml: "send_email", value: { name: host.sendEmail } });
  const buckets = config.r2_buckets ?? [];
  if (!buckets.some((b) => b.binding === host.payloadBucket.binding)) {
    needs.push({ say: `the ${host.payloadBucket.binding} R2 bucket binding (values over 128 KiB by reference; create the bucket once: npx wrangler r2 bucket create ${host.payloadBucket.bucket_name})`, kind: "array", path: ["r2_buckets"], toml: "r2_buckets", value: { ...host.payloadBucket } });
  }
  if (!config.version_metadata) needs.push({ say: `the ${host.versionMetadata} version metadata binding`, kind: "table", path: ["version_metadata"], toml: "version_metadata", value: { binding: host.versionMetadata } });
  else if (config.version_metadata.binding !== host.versionMetadata) warnings.push(`version_metadata binds ${config.version_metadata.binding}; Baton reads ${host.versionMetadata} (runs will not record their Worker version)`);
  if (hasWorkflowsFolder && !config.build?.command) needs.push({ say: "a [build] command writing the workflow map from workflows/ (`npx baton build`)", kind: "table", path: ["build"], toml: "build", value: { command: "npx baton build", watch_dir: "workflows" } });
  if (!config.main) warnings.push("there is no `main`: point it at your Worker's entry module");
  else if (mainSource !== null && !mainSource.includes("baton-workflows/worker")) warnings.push(`${config.main} does not import baton-workflows/worker: call createBaton() there and export its Durable Object classes (see the README)`);
  return { needs, warnings };
}

/** A TOML value as written in a file. */
function tomlValue(value) {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The TOML lines of a table's keys. */
function tomlKeys(value) {
  return Object.entries(value).map(([key, item]) => `${key} = ${tomlValue(item)}`);
}

/** `text` with `needs` added, TOML written by hand: new tables go at the end, top-level keys before the first table. */
function applyToml(text, needs, version) {
  let out = text.endsWith("\n") ? text : `${text}\n`;
  const blocks = [];
  for (const need of needs) {
    if (need.kind === "flags") {
      const line = `compatibility_flags = ${tomlValue(need.value)}`;
      if (/^compatibility_flags\s*=/m.test(out)) out = out.replace(/^compatibility_flags\s*=\s*\[[^\]]*\]/m, line);
      else {
        const header = out.search(/^\s*\[/m);
        out = header === -1 ? `${out}${line}\n` : `${out.slice(0, header)}${line}\n${out.slice(header)}`;
      }
    } else if (need.kind === "crons") {
      const line = `crons = ${tomlValue(need.value)}`;
      const table = /^\[triggers\][^\S\n]*$/m.exec(out);
      if (table && /^crons\s*=/m.test(out.slice(table.index))) out = out.slice(0, table.index) + out.slice(table.index).replace(/^crons\s*=\s*\[[^\]]*\]/m, line);
      else if (table) out = `${out.slice(0, table.index + table[0].length)}\n${line}${out.slice(table.index + table[0].length)}`;
      else blocks.push(["[triggers]", line]);
    } else if (need.kind === "array") {
      if (new RegExp(`^${need.path.at(-1)}\\s*=\\s*\\[`, "m").test(out)) throw new Error(`${need.path.join(".")} is written as an inline array; add ${need.say} to it by hand: ${JSON.stringify(need.value)}`);
      blocks.push([`[[${need.toml}]]`, ...tomlKeys(need.value)]);
    } else blocks.push([`[${need.toml}]`, ...tomlKeys(need.value)]);
  }
  if (blocks.length > 0) out += `\n# Added by \`baton init\` (baton-workflows ${version}).\n${blocks.map((lines) => lines.join("\n")).join("\n\n")}\n`;
  return out;
}

/** `text` with `needs` added, as JSON with comments: jsonc-parser's edits keep the rest as it was. */
function applyJsonc(text, needs) {
  const format = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } };
  let out = text;
  for (const need of needs) {
    const config = parseJsonc(out) ?? {};
    if (need.kind === "flags") out = applyEdits(out, modify(out, ["compatibility_flags"], need.value, format));
    else if (need.kind === "crons") out = applyEdits(out, modify(out, ["triggers", "crons"], need.value, format));
    else if (need.kind === "table") out = applyEdits(out, modify(out, need.path, need.value, format));
    else {
      const list = need.path.reduce((at, key) => at?.[key], config);
      out = Array.isArray(list)
        ? applyEdits(out, modify(out, [...need.path, list.length], need.value, { ...format, isArrayInsertion: true }))
        : applyEdits(out, modify(out, need.path, [need.value], format));
    }
  }
  return out;
}

/** Reads and parses a config file. */
export function readConfig(file) {
  const text = readFileSync(file, "utf8");
  const config = file.endsWith(".toml") ? parseToml(text) : parseJsonc(text, [], { allowTrailingComma: true });
  return { text, config: config ?? {} };
}

/** What the config at `file` lacks, with the main module's source and the workflows folder looked at beside it. */
function check(file, host, version) {
  const { text, config } = readConfig(file);
  const dir = dirname(file);
  const main = typeof config.main === "string" ? join(dir, config.main) : null;
  const mainSource = main && existsSync(main) ? readFileSync(main, "utf8") : null;
  return { text, ...needsOf(config, host, version, { hasWorkflowsFolder: existsSync(join(dir, "workflows")), mainSource }) };
}

/** `baton init`: adds what the config lacks; answers the exit code. */
export function init(file, host, version, io) {
  const { text, needs, warnings } = check(file, host, version);
  const name = basename(file);
  if (needs.length > 0) {
    writeFileSync(file, file.endsWith(".toml") ? applyToml(text, needs, version) : applyJsonc(text, needs));
    io.out(`baton init: added to ${name}:`);
    for (const need of needs) io.out(`  + ${need.say}`);
  } else io.out(`baton init: ${name} already has everything baton-workflows ${version} needs`);
  for (const warning of warnings) io.out(`  ! ${warning}`);
  io.out(`Secrets to set once per Worker: ${host.secrets.map((s) => `npx wrangler secret put ${s}`).join("; ")}`);
  return 0;
}

/** `baton doctor`: says what the config lacks and how to add it; exit 1 when something is missing. */
export function doctor(file, host, version, io) {
  const { needs, warnings } = check(file, host, version);
  const name = basename(file);
  if (needs.length === 0 && warnings.length === 0) {
    io.out(`baton doctor: ${name} has everything baton-workflows ${version} needs`);
    return 0;
  }
  if (needs.length > 0) {
    io.out(`baton doctor: ${name} is missing what baton-workflows ${version} needs (\`npx baton init\` adds it):`);
    for (const need of needs) {
      io.out(`  - ${need.say}; add:`);
      const snippet = file.endsWith(".toml") ? applyToml("", [need], version).replace(/^\s*# Added by.*\n/m, "").trim() : JSON.stringify(need.kind === "array" ? { [need.path.join(".")]: [need.value] } : need.value);
      for (const line of snippet.split("\n")) io.out(`      ${line}`);
    }
  }
  for (const warning of warnings) io.out(`  ! ${warning}`);
  return needs.length > 0 ? 1 : 0;
}
