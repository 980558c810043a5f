// Temporal's DSL sample: an interpreter walking a tree of sequences and parallel
// branches of activities, binding each result to a variable. Branches run with
// Promise.all, so their tasks interleave in whatever order they finish; a sleep after
// the tree is where a restart finds the run.
import { sleep, task, workflow } from "baton-workflows";

type Statement =
  | { activity: { name: string; arguments?: string[]; result?: string } }
  | { sequence: { elements: Statement[] } }
  | { parallel: { branches: Statement[] } };

/** The activities: each reports what it was called with. */
function activity(name: string, args: string[]): string {
  return `[result from ${name}: ${args.join(" ")}]`;
}

async function execute(statement: Statement, bindings: Record<string, string>): Promise<void> {
  if ("parallel" in statement) {
    await Promise.all(statement.parallel.branches.map((branch) => execute(branch, bindings)));
  } else if ("sequence" in statement) {
    for (const element of statement.sequence.elements) await execute(element, bindings);
  } else {
    const { name, result } = statement.activity;
    const args = (statement.activity.arguments ?? []).map((argument) => bindings[argument] ?? "");
    const value = await task(name, () => activity(name, args));
    if (result) bindings[result] = value;
  }
}

export default workflow(async (input: { variables: Record<string, string>; root: Statement }) => {
  const bindings = { ...input.variables };
  await execute(input.root, bindings);
  await sleep("cooldown", "1 hour");
  bindings.summary = await task("summarize", () => Object.keys(bindings).sort().join(","));
  return bindings;
});
