// What task and step closures print: console.log, info, warn, error and debug inside
// a closure are captured for that attempt (the attempt's context carries its own
// sink, so closures running at once in one invocation stay apart), still printed to
// the real console, and capped, so a chatty closure cannot grow its report without end.

import { contexts } from "./async-context.ts";

/** A line a closure printed. */
export interface LogLine {
  attempt: number;
  /** When it was printed (ms since the epoch). */
  at: number;
  level: LogLevel;
  message: string;
}

/** The console methods captured. */
export type LogLevel = "log" | "info" | "warn" | "error" | "debug";

const LEVELS: readonly LogLevel[] = ["log", "info", "warn", "error", "debug"];

/** The most log text kept per attempt; what comes after is counted, and said in a last line. */
export const MAX_LOG_BYTES = 64 * 1024;

/** The key under which a closure's context offers its attempt's sink. */
export const LOG_SINK: unique symbol = Symbol.for("baton.log-sink") as never;

/** The lines one attempt printed, up to MAX_LOG_BYTES. */
export class LogSink {
  private readonly kept: LogLine[] = [];
  private bytes = 0;
  private cut = 0;
  private readonly attempt: number;

  constructor(attempt: number) {
    this.attempt = attempt;
  }

  /** Keeps a printed line while there is room; counts what there is not room for. */
  add(level: LogLevel, args: unknown[]): void {
    const message = args.map(format).join(" ");
    if (this.bytes + message.length > MAX_LOG_BYTES) {
      this.cut += message.length;
      return;
    }
    this.bytes += message.length;
    this.kept.push({ attempt: this.attempt, at: Date.now(), level, message });
  }

  /** The lines kept, and a last line saying how much was cut, if any was. */
  lines(): LogLine[] {
    if (this.cut === 0) return [...this.kept];
    const last: LogLine = { attempt: this.attempt, at: Date.now(), level: "warn", message: `… ${this.cut} more characters of log output were cut (at most ${MAX_LOG_BYTES} are kept per attempt)` };
    return [...this.kept, last];
  }
}

/** `value` checked to be log lines, as stored or reported (throws a TypeError saying what is wrong). */
export function logLinesOf(value: unknown): LogLine[] {
  if (!Array.isArray(value)) throw new TypeError("log lines must be an array");
  return value.map((line: unknown) => {
    const { attempt, at, level, message } = (line ?? {}) as Record<string, unknown>;
    if (typeof attempt !== "number" || typeof at !== "number" || typeof message !== "string" || !LEVELS.includes(level as LogLevel)) {
      throw new TypeError(`not a log line: ${JSON.stringify(line)}`);
    }
    return { attempt, at, level: level as LogLevel, message };
  });
}

const INSTALLED = Symbol.for("baton.log-capture-installed");

/** Wraps the console methods once per isolate: a call inside a closure also goes to its attempt's sink. */
export function installLogCapture(): void {
  const slot = globalThis as { [INSTALLED]?: true };
  if (slot[INSTALLED]) return;
  slot[INSTALLED] = true;
  const target = console as unknown as Record<LogLevel, (...args: unknown[]) => void>;
  for (const level of LEVELS) {
    const real = target[level];
    if (typeof real !== "function") continue;
    target[level] = function (this: unknown, ...args: unknown[]): void {
      real.apply(console, args);
      const store = contexts.getStore() as { [LOG_SINK]?: LogSink } | undefined;
      store?.[LOG_SINK]?.add(level, args);
    };
  }
}

function format(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
