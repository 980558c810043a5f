// Runs the `baton` CLI against the test Worker, as a terminal would, keeping what it printed.
import { SELF } from "cloudflare:test";
import { main } from "../../sdk/cli/index.ts";
import { TOKEN } from "./helpers.ts";

/** What one command did: its exit code and the lines it printed. */
export interface Ran {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI with `argv`; `meanwhile` is called between a watch's reads with what it printed so far. */
export async function baton(argv: string[], env: Record<string, string> = { BATON_URL: "https://baton.test", BATON_TOKEN: TOKEN }, meanwhile: (out: string[]) => Promise<void> = async () => {}): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    fetch: (request) => SELF.fetch(request),
    sleep: async () => {
      await meanwhile(out);
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
  });
  return { code, out, err };
}
