// Reads the schedule a workflow file declares, without running the file: the options
// object literal of its `workflow(fn, { schedule: "...", timezone: "..." })` call. The
// registry build uses it to refuse a bad cron expression before anything is deployed;
// a schedule that is not written as a literal is checked when the Worker starts.

import { Cron } from "croner";

/**
 * The source with the contents of strings, template literals and comments blanked
 * (same length, so positions carry over), and each string literal's value by the
 * position of its opening quote.
 */
function mask(source) {
  let out = "";
  const strings = new Map();
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let value = "";
      let literal = true;
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\") {
          value += source[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (c === "`" && source[j] === "$" && source[j + 1] === "{") literal = false;
        if (c !== "`" && source[j] === "\n") break;
        value += source[j];
        j += 1;
      }
      if (literal) strings.set(i, value);
      out += c + source.slice(i + 1, j).replace(/[^\n]/g, " ") + (source[j] ?? "");
      i = j + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return { code: out, strings };
}

/** Index of the bracket closing the one at `open`, in masked code. */
function closing(code, open) {
  let depth = 0;
  for (let i = open; i < code.length; i += 1) {
    if ("([{".includes(code[i])) depth += 1;
    else if (")]}".includes(code[i])) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Start indexes of the top-level parts of `code[from, to)` split at commas. */
function topLevelParts(code, from, to) {
  const parts = [];
  let start = from;
  let depth = 0;
  for (let i = from; i < to; i += 1) {
    if ("([{".includes(code[i])) depth += 1;
    else if (")]}".includes(code[i])) depth -= 1;
    else if (code[i] === "," && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts.filter(([a, b]) => code.slice(a, b).trim() !== "");
}

/**
 * The options a file's `workflow(...)` call passes as an object literal: for each of
 * schedule, timezone and overlap, its string value, or `null` when it is set to
 * something other than a plain string literal. Undefined when the file declares no schedule.
 */
export function declaredSchedule(source) {
  const { code, strings } = mask(source);
  const call = /(?<![\w$.])workflow\s*(?:<[^()]*>)?\s*\(/g;
  for (let match = call.exec(code); match; match = call.exec(code)) {
    const open = match.index + match[0].length - 1;
    const close = closing(code, open);
    if (close === -1) continue;
    const args = topLevelParts(code, open + 1, close);
    if (args.length < 2) continue;
    const [from, to] = args[args.length - 1];
    const objectStart = from + (code.slice(from, to).length - code.slice(from, to).trimStart().length);
    if (code[objectStart] !== "{") continue;
    const objectEnd = closing(code, objectStart);
    const found = {};
    for (const [a, b] of topLevelParts(code, objectStart + 1, objectEnd)) {
      const property = /^\s*["']?(schedule|timezone|overlap)["']?\s*:\s*/.exec(code.slice(a, b));
      if (!property) continue;
      const valueAt = a + property[0].length;
      const rest = code.slice(valueAt, b).trim();
      const isLiteral = strings.has(valueAt) && rest.length === code.slice(valueAt, closingQuote(code, valueAt) + 1).length;
      found[property[1]] = isLiteral ? strings.get(valueAt) : null;
    }
    if ("schedule" in found) return found;
  }
  return undefined;
}

function closingQuote(code, at) {
  const quote = code[at];
  return code.indexOf(quote, at + 1);
}

/** Throws an Error naming `file` when its declared schedule cannot be read; answers the schedule, if any. */
export function checkDeclaredSchedule(file, source) {
  const declared = declaredSchedule(source);
  if (!declared || declared.schedule === null) return declared;
  const timezone = declared.timezone ?? "UTC";
  if (timezone !== null) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new Error(`${file}: timezone "${timezone}" is not an IANA time zone such as "Europe/Berlin" or "UTC"`);
    }
  }
  if (declared.overlap !== undefined && declared.overlap !== null && declared.overlap !== "skip" && declared.overlap !== "allow") {
    throw new Error(`${file}: overlap must be "skip" or "allow", got "${declared.overlap}"`);
  }
  let cron;
  try {
    cron = new Cron(declared.schedule.trim(), { mode: "5-part", ...(timezone === null ? {} : { timezone }) });
  } catch (error) {
    throw new Error(`${file}: schedule "${declared.schedule}" is not a cron expression: ${error.message.replace(/^CronPattern: /, "").replace(/\.+$/, "")}. Use five fields (minute hour day-of-month month day-of-week), e.g. "0 9 * * 1-5", or @hourly, @daily, @weekly, @monthly, @yearly`);
  }
  if (cron.nextRun(new Date()) === null) throw new Error(`${file}: schedule "${declared.schedule}" never matches a date`);
  return declared;
}
