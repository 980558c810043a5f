// The registered workflows, filled from the generated module list so that a file in
// workflows/ is all it takes to add one.

import { isWorkflow, type Workflow } from "baton";

/** A name → workflow map built from modules whose default export is `workflow(...)`. */
export class Registry {
  private readonly workflows = new Map<string, Workflow>();

  /** Adds every module whose default export is a workflow; warns about the others. */
  add(modules: Record<string, { default?: unknown }>): this {
    for (const [name, module] of Object.entries(modules)) {
      if (isWorkflow(module.default)) this.workflows.set(name, module.default);
      else console.warn(`baton: workflows/${name}.ts has no default export made by workflow(); it is not registered`);
    }
    return this;
  }

  /** The workflow registered under `name`. */
  get(name: string): Workflow | undefined {
    return this.workflows.get(name);
  }

  /** All registered names, sorted. */
  names(): string[] {
    return [...this.workflows.keys()].sort();
  }
}

/** The Worker's registry; the entry module fills it. */
export const registry = new Registry();
