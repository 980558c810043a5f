// `baton`, the command line of a Baton deployment, built on BatonClient: list, read,
// start (and watch), read a step's logs, approve, reject and cancel runs. Web-standard
// apart from what the launcher (bin/baton.js) hands it: arguments, environment, output.

import { BatonApiError, BatonClient, type RunDetail, type StepDetail } from "../client/index.ts";
import { RUN_STATUSES, type RunStatus } from "../core/run-machine/statuses.ts";
import { followLogs, watch } from "./watch.ts";

/** What the CLI reads and writes; the launcher passes the process's, tests their own. */
export interface CliIO {
  env: Record<string, string | undefined>;
  /** Prints a line to standard output. */
  out(line: string): void;
  /** Prints a line to standard error. */
  err(line: string): void;
  /** The fetch to reach the API with (default: the global fetch). */
  fetch?: (request: Request) => Promise<Response>;
  /** Awaited after each line a watch prints (tests act on a watched run here; default: nothing). */
  sleep?: (ms: number) => Promise<void>;
}

/** The dev server's address and token: used only when no other is given, and only for localhost. */
const DEFAULT_URL = "http://localhost:8787";
const DEV_TOKEN = "baton-dev-token";

const USAGE = `usage: baton <command> [options]

  runs [--workflow W] [--status S,…] [--limit N] list runs, newest first
  get ID                                         show a run and its steps
  start WORKFLOW [INPUT] [--watch]               start a run with INPUT (JSON, or --input JSON) and follow it to its end
  logs ID [STEP] [-f]                            print what a run's steps (or one step) printed; -f (--follow): as they print it, until the run ends
  event ID NAME [--payload JSON] [--idempotency-key K]
                                                 send an event to a run (a retry with K delivers it once)
  approve ID KEY [--comment C]                   approve a waiting approval
  reject ID KEY [--comment C]                    reject it
  cancel ID [--rollback]                         cancel a run (--rollback: its completed steps' rollbacks run first)
  pause ID / resume ID                           pause a run (it starts nothing, no timer fires) / resume it
  restart ID [--from STEP] [--watch]             rerun an ended run from a step (default: its first failed one)
  delete ID                                      delete an ended run and everything it stored
  workflows                                      list the workflows and scripts, with their language and queue
  workers                                        list the workers you run that registered, and their queues' load

  build [--workflows DIR] [--out FILE]           write the map of workflows/ for createBaton() (default src/generated/workflows.ts)
  init [--config FILE]                           add what Baton needs to wrangler.toml / wrangler.jsonc (prints what it changed)
  doctor [--config FILE]                         check the config against what this version needs, and say what to add
  worker [FOLDER] --url URL --token TOKEN [--queue node]
                                                 run the tasks that name the queue (task(fn, { queue })) and FOLDER's scripts

  --url URL      the deployment (or BATON_URL; default ${DEFAULT_URL})
  --token TOKEN  the API token (or BATON_TOKEN; the dev token for localhost)
  --json         print JSON instead of text`;

/** Runs one command; answers the exit code (0 done, 1 the run failed or the API said no, 2 bad usage). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    io.err(`baton: ${(error as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const [command, ...rest] = args.positional;
  if (args.flags.has("help")) {
    io.out(USAGE);
    return 0;
  }
  if (!command) {
    io.err(USAGE);
    return 2;
  }
  const url = args.options.get("url") ?? io.env.BATON_URL ?? DEFAULT_URL;
  const token = args.options.get("token") ?? io.env.BATON_TOKEN ?? (isLocal(url) ? DEV_TOKEN : undefined);
  const client = new BatonClient({ baseUrl: url, ...(token ? { token } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) });
  const json = args.flags.has("json");
  const print = (value: unknown, text: () => string): void => io.out(json ? JSON.stringify(value, null, 2) : text());
  try {
    switch (command) {
      case "runs": {
        only(rest, 0, "runs [--workflow W] [--status S]");
        const status = args.options.get("status")?.split(",");
        if (status?.some((one) => !RUN_STATUSES.includes(one as RunStatus))) throw new UsageError(`--status must be one or more (comma-separated) of ${RUN_STATUSES.join(", ")}`);
        const limit = args.options.get("limit");
        if (limit !== undefined && !/^[1-9]\d*$/.test(limit)) throw new UsageError("--limit must be a whole number from 1 to 100");
        const page = await client.list({
          ...(args.options.has("workflow") ? { workflow: args.options.get("workflow") ?? "" } : {}),
          ...(status ? { status: status as RunStatus[] } : {}),
          ...(limit ? { limit: Number(limit) } : {}),
        });
        print(page, () => (page.runs.length === 0 ? "no runs" : page.runs.map((run) => `${run.id}  ${run.workflow}  ${run.status}  ${run.createdAt}`).join("\n")));
        return 0;
      }
      case "workflows": {
        only(rest, 0, "workflows");
        const entries = await client.workflows();
        print(entries, () =>
          entries.length === 0
            ? "no workflows"
            : entries.map((entry) => `${entry.name}  ${entry.kind}  ${entry.language}${entry.queue ? ` on queue ${entry.queue}` : ""}  ${entry.version}`).join("\n"),
        );
        return 0;
      }
      case "workers": {
        only(rest, 0, "workers");
        const seen = await client.workers();
        print(seen, () =>
          seen.workers.length === 0
            ? "no workers have registered (start one: baton-worker FOLDER --url … --token …)"
            : [
                ...seen.workers.map((w) => `${w.id}  ${w.online ? "online " : "offline"}  queue ${w.queue}  ${w.language} (${w.sdk})  ${w.host ?? "-"}  last seen ${w.lastSeen}`),
                ...seen.queues.map((q) => `queue ${q.queue}: ${q.waiting} waiting, ${q.inFlight} in flight`),
              ].join("\n"),
        );
        return 0;
      }
      case "get": {
        only(rest, 1, "get ID");
        const run = await client.get(need(rest[0], "get ID"));
        print(run, () => describe(run));
        return 0;
      }
      case "start": {
        const workflow = need(rest[0], "start WORKFLOW");
        only(rest, 2, "start WORKFLOW [INPUT]");
        if (rest[1] !== undefined && args.options.has("input")) throw new UsageError("give the input once: as the argument after WORKFLOW or as --input, not both");
        const text = rest[1] ?? args.options.get("input");
        const input = text === undefined ? undefined : readJson(text, rest[1] === undefined ? "--input" : "the input");
        const started = await client.start(workflow, input);
        if (!args.flags.has("watch")) {
          print(started, () => `started ${started.id} (${started.workflow}): ${started.status}`);
          return 0;
        }
        if (!json) io.out(`started ${started.id} (${started.workflow})`);
        const run = await watch(client, started.id, json ? () => {} : io.out, async () => await io.sleep?.(0));
        print(run, () => ending(run));
        return run.status === "completed" ? 0 : 1;
      }
      case "logs": {
        const id = need(rest[0], "logs ID");
        only(rest, 2, "logs ID [STEP] [-f]");
        if (args.flags.has("follow")) {
          const run = await followLogs(client, id, rest[1], io.out);
          return run.status === "completed" ? 0 : 1;
        }
        const keys = rest[1] ? [rest[1]] : (await client.allSteps(id)).filter((step) => step.kind === "task" || step.kind === "step").map((step) => step.key);
        const steps = await Promise.all(keys.map((key) => client.step(id, key)));
        print(steps, () => logLines(steps) || "no step printed anything");
        return 0;
      }
      case "event": {
        const id = need(rest[0], "event ID NAME");
        only(rest, 2, "event ID NAME [--payload JSON]");
        const name = need(rest[1], "event ID NAME");
        const payload = args.options.has("payload") ? readJson(args.options.get("payload") ?? "", "--payload") : undefined;
        const key = args.options.get("idempotency-key");
        const sent = await client.sendEvent(id, name, payload, key === undefined ? {} : { idempotencyKey: key });
        print(sent, () => (sent.deliveredTo ? `${name}: delivered to ${sent.deliveredTo}` : `${name}: kept until the run waits for it`));
        // A misspelt name is kept silently otherwise: say what the run does wait for.
        if (!sent.waiting) io.err(`baton: warning: run ${id} is not waiting for "${name}"${sent.waitingFor.length > 0 ? `; it waits for ${sent.waitingFor.map((n) => `"${n}"`).join(", ")}` : ""}`);
        return 0;
      }
      case "approve":
      case "reject": {
        only(rest, 2, `${command} ID KEY`);
        const comment = args.options.get("comment");
        const decided = await client.decide(need(rest[0], `${command} ID KEY`), need(rest[1], `${command} ID KEY`), { approved: command === "approve", ...(comment ? { comment } : {}) });
        print(decided, () => `${decided.key}: ${decided.decision}`);
        return 0;
      }
      case "cancel": {
        only(rest, 1, "cancel ID");
        const run = await client.cancel(need(rest[0], "cancel ID"), args.flags.has("rollback") ? { rollback: true } : {});
        print(run, () => `${run.id}: ${run.status}`);
        return 0;
      }
      case "pause":
      case "resume": {
        only(rest, 1, `${command} ID`);
        const run = await (command === "pause" ? client.pause(need(rest[0], "pause ID")) : client.resume(need(rest[0], "resume ID")));
        print(run, () => `${run.id}: ${run.status}`);
        return 0;
      }
      case "restart": {
        only(rest, 1, "restart ID [--from STEP]");
        const from = args.options.get("from");
        const restarted = await client.restart(need(rest[0], "restart ID"), from === undefined ? {} : { fromStep: from });
        if (!args.flags.has("watch")) {
          print(restarted, () => `started ${restarted.id} (restart of ${restarted.restartOf}${restarted.fromStep ? ` from ${restarted.fromStep}` : ""}): ${restarted.status}`);
          return 0;
        }
        if (!json) io.out(`started ${restarted.id} (restart of ${restarted.restartOf}${restarted.fromStep ? ` from ${restarted.fromStep}` : ""})`);
        const run = await watch(client, restarted.id, json ? () => {} : io.out, async () => await io.sleep?.(0));
        print(run, () => ending(run));
        return run.status === "completed" ? 0 : 1;
      }
      case "delete": {
        const id = need(rest[0], "delete ID");
        only(rest, 1, "delete ID");
        await client.remove(id);
        print({ id, deleted: true }, () => `${id}: deleted`);
        return 0;
      }
      default:
        throw new UsageError(`no command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`baton: ${error.message}`);
      io.err(USAGE);
      return 2;
    }
    io.err(`baton: ${explain(error, url)}`);
    return 1;
  }
}

function describe(run: RunDetail): string {
  const lines = [`${run.id}  ${run.workflow}  ${run.status}${run.language !== "typescript" ? `  (${run.language} on queue ${run.bodyQueue ?? "?"})` : ""}`, `started ${run.createdAt}, updated ${run.updatedAt}`];
  if (run.waitingForWorker) lines.push(`waiting for ${run.waitingForWorker}: start one with baton-worker FOLDER --url … --token …`);
  if (run.inputRef) lines.push(`input   ${kept(run.inputRef)}`);
  else if (run.input !== null && run.input !== undefined) lines.push(`input   ${JSON.stringify(run.input)}`);
  for (const step of run.steps) lines.push(`  ${step.status.padEnd(9)} ${step.key}${step.attempts > 1 ? ` (${step.attempts} attempts)` : ""}${step.error ? ` — ${step.error.name}: ${step.error.message}` : ""}`);
  if (run.stepCount > run.steps.length) lines.push(`  … and ${run.stepCount - run.steps.length} more steps (GET /api/runs/${run.id}/steps?cursor=${run.nextStepsCursor ?? ""})`);
  for (const approval of run.approvals) lines.push(`  waiting   ${approval.key}: ${approval.message} (until ${approval.expiresAt})`);
  if (run.status === "completed") lines.push(`output  ${run.outputRef ? kept(run.outputRef) : JSON.stringify(run.output)}`);
  if (run.continuedFrom) lines.push(`continues ${run.continuedFrom}`);
  if (run.continuedAs) lines.push(`continued as ${run.continuedAs}: npx baton get ${run.continuedAs}`);
  if (run.error) lines.push(`error   ${run.error.name}: ${run.error.message}`, ...whereThrown(run.error.stack), ...restartHint(run));
  return lines.join("\n");
}

/** A value kept in BATON_PAYLOADS, as printed: its size and where to fetch it. */
function kept(ref: { bytes: number; href: string }): string {
  return `(${ref.bytes} bytes, kept in BATON_PAYLOADS: GET ${ref.href})`;
}

/** For a run that failed because its code changed under it: the restart that runs the rest on the current code. */
function restartHint(run: RunDetail): string[] {
  const at = run.error?.name === "NonDeterminismError" ? run.error.fields?.divergedAt : undefined;
  if (typeof at !== "string") return [];
  return [`restart it on the current code from the step that diverged: npx baton restart ${run.id} --from '${at}'`];
}

/** Refuses arguments past the `count` a command takes, so a stray one is not silently ignored. */
function only(rest: string[], count: number, usage: string): void {
  if (rest.length > count) throw new UsageError(`unexpected argument "${rest[count] ?? ""}"; usage: baton ${usage}`);
}

/** The frame of a stack where your code threw (the first outside Baton itself), as a line to print; none without one. */
function whereThrown(stack: string | undefined): string[] {
  const frames = (stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  const yours = frames.find((line) => !/node_modules|baton-workflows[\\/]dist|\((?:file:\/\/)?[^()]*\b(?:sdk|src)[\\/](?:core|tasks|runs|api|testing|index\.ts|options\.ts)/.test(line)) ?? frames[0];
  return yours ? [`        ${yours.trim()}`] : [];
}

function ending(run: RunDetail): string {
  if (run.status === "completed") return `completed: ${run.outputRef ? kept(run.outputRef) : JSON.stringify(run.output)}`;
  if (run.status === "continued") return `continued as ${run.continuedAs ?? "?"}`;
  if (run.status === "failed") return [`failed: ${run.error ? `${run.error.name}: ${run.error.message}` : "no error recorded"}`, ...whereThrown(run.error?.stack), ...restartHint(run)].join("\n");
  return run.status;
}

function logLines(steps: StepDetail[]): string {
  return steps
    .flatMap((step) => step.logs.map((line) => `${new Date(line.at).toISOString()} ${step.key} #${line.attempt} ${line.level.padEnd(5)} ${line.message}`))
    .join("\n");
}

interface Args {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

const FLAGS = new Set(["watch", "json", "help", "follow", "rollback"]);
/** One-letter flags and the flag each stands for. */
const SHORT_FLAGS = new Map([["-f", "follow"]]);
const OPTIONS = new Set(["url", "token", "input", "payload", "from", "workflow", "status", "limit", "comment", "idempotency-key"]);

function parse(argv: string[]): Args {
  const args: Args = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const short = SHORT_FLAGS.get(arg);
    if (short !== undefined) {
      args.flags.add(short);
      continue;
    }
    if (!arg.startsWith("--")) {
      args.positional.push(arg);
      continue;
    }
    const [name = "", inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (FLAGS.has(name)) args.flags.add(name);
    else if (OPTIONS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      args.options.set(name, value);
    } else throw new Error(`no option --${name}`);
  }
  return args;
}

class UsageError extends Error {}

function explain(error: unknown, url: string): string {
  if (error instanceof BatonApiError) return `${error.message} (${error.code}, HTTP ${error.status})`;
  // fetch rejects with a TypeError only when no answer came back at all.
  if (error instanceof TypeError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `cannot reach ${url} (${error.message}${cause})${isLocal(url) ? "; is `npm run dev` running?" : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function need(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`usage: baton ${usage}`);
  return value;
}

function readJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} is not JSON: ${(error as Error).message}`);
  }
}

function isLocal(url: string): boolean {
  try {
    return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
