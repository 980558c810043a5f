// Step identity. A key is the branch path plus the step's name (or kind) and how
// often that name occurred before in the branch, so it never depends on timing:
// `fetch#0`, `parallel#0[3]/task#1`.

/** The branch path of the workflow body itself. */
export const ROOT_BRANCH = "";

/** The key of the `occurrence`-th call named `label` in `branch`. */
export function stepKey(branch: string, label: string, occurrence: number): string {
  return `${branch}${escapeLabel(label)}#${occurrence}`;
}

/** The branch path of item `index` of the parallel call whose own key is `parallelKey`. */
export function itemBranch(parallelKey: string, index: number): string {
  return `${parallelKey}[${index}]/`;
}

/**
 * The key of the marker `patched(id)` records in `branch`. It has no `#n` suffix, so
 * it never equals a call's key; ids are limited to characters that need no escaping.
 */
export function patchKey(branch: string, id: string): string {
  return `${branch}patch:${id}`;
}

// The characters that structure a key are escaped in names, so no name can forge
// another step's key.
function escapeLabel(label: string): string {
  return label.replace(/[%/#[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
