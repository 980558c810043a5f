// What the run page and the step page both show: a JSON value, folded when large; a
// step's log lines; an error with its causes.

import type { FC } from "hono/jsx";
import type { ErrorView, LogLineView } from "baton-workflows/client";
import { pretty, size } from "./format.ts";

/** Output shown inline before it is folded away. */
const FOLD_CHARS = 2_000;
/** Log lines shown per step on the run page; the step's own page shows the rest. */
const MAX_LOG_LINES = 200;

/** A JSON value, pretty; folded when large. */
export const Json: FC<{ value: unknown; fold: string; label?: string }> = ({ value, fold, label }) => {
  const text = pretty(value);
  if (text.length <= FOLD_CHARS) {
    return label ? (
      <div>
        <span class="muted">{label}</span>
        <pre>{text}</pre>
      </div>
    ) : (
      <pre>{text}</pre>
    );
  }
  return (
    <details data-key={fold}>
      <summary>
        {label ?? "value"} · {size(text.length)}
      </summary>
      <pre>{text}</pre>
    </details>
  );
};

/** A step's log lines; with `own`, the first of them and a link to the rest there. */
export const Logs: FC<{ lines: LogLineView[]; own?: string }> = ({ lines, own }) => {
  const shown = own ? lines.slice(0, MAX_LOG_LINES) : lines;
  return (
    <div>
      <span class="muted">logs</span>
      <pre class="logs">
        {shown.map((line) => (
          <span class={`log-${line.level}`}>
            {`${new Date(line.at).toISOString().slice(11, 23)} #${line.attempt} ${line.level.padEnd(5)} ${line.message}\n`}
          </span>
        ))}
      </pre>
      {own && lines.length > shown.length ? <a href={own}>{lines.length - shown.length} more lines</a> : null}
    </div>
  );
};

/** An error with its code, fields, stack (folded) and causes. */
export const ErrorBlock: FC<{ error: ErrorView }> = ({ error }) => (
  <div class="err">
    <div class="error">
      <strong>{error.name}</strong>: {error.message}
      {error.code ? <span class="muted"> ({error.code})</span> : null}
    </div>
    {error.fields ? <pre>{pretty(error.fields)}</pre> : null}
    {error.stack ? (
      <details>
        <summary class="muted">stack</summary>
        <pre>{error.stack}</pre>
      </details>
    ) : null}
    {error.cause ? (
      <div class="cause">
        <span class="muted">caused by</span>
        <ErrorBlock error={error.cause} />
      </div>
    ) : null}
  </div>
);
