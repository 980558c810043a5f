// Errors cross RPC, queues and storage as data. This keeps the author's name and
// message so a failed task surfaces in the workflow as the error it threw.

/** An error as stored in the log and sent between Workers. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string | undefined;
}

/** Captures name, message and code (when it has one) of anything thrown. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
    const data: ErrorData = {
      name: typeof name === "string" && name ? name : "Error",
      message: typeof message === "string" ? message : String(message),
    };
    if (typeof code === "string") data.code = code;
    return data;
  }
  return { name: "Error", message: typeof error === "string" ? error : safeString(error) };
}

/** Rebuilds a throwable Error carrying the original name, message and code. */
export function fromErrorData(data: ErrorData, stepKey?: string): Error {
  const error = new Error(data.message) as Error & { code?: string; stepKey?: string };
  error.name = data.name;
  if (data.code !== undefined) error.code = data.code;
  if (stepKey !== undefined) error.stepKey = stepKey;
  return error;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
