// A plain helper module: imported by the workflow, never registered.
export function shape(rows: number[], doubledCount: number): { rows: number[]; doubledCount: number } {
  return { rows, doubledCount };
}
