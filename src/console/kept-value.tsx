// A value kept in BATON_PAYLOADS (over 128 KiB of JSON), as the console shows it: its
// size and a download link under the console (signed in by its session), never the
// value itself, so a run's page stays small however large its values are.

import type { FC } from "hono/jsx";
import { href } from "../host.ts";
import { size } from "./format.ts";

/** Where the console downloads a kept value of run `runId`: its input, its output, or a step's output. */
export function downloadPath(runId: string, of: "input" | "output" | { step: string }): string {
  const run = `/runs/${encodeURIComponent(runId)}/download`;
  return href(typeof of === "string" ? `${run}/${of}` : `${run}/steps/${encodeURIComponent(of.step)}`);
}

/** The size and download link of a kept value. */
export const KeptValue: FC<{ bytes: number; path: string; label: string }> = ({ bytes, path, label }) => (
  <p class="kept-value">
    <span class="muted">
      {label} · {size(bytes)}, kept in the BATON_PAYLOADS bucket ·{" "}
    </span>
    <a href={path} download>
      Download
    </a>
  </p>
);
