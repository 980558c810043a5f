/** What a workflow file's `workflow(fn, {...})` options literal sets: each value as written, or null when it is not a string literal. */
export interface DeclaredSchedule {
  schedule: string | null;
  timezone?: string | null;
  overlap?: string | null;
}
/** The schedule a workflow file declares, read without running the file; undefined when it declares none. */
export function declaredSchedule(source: string): DeclaredSchedule | undefined;
/** Throws an Error naming `file` when its declared schedule cannot be read; answers the schedule, if any. */
export function checkDeclaredSchedule(file: string, source: string): DeclaredSchedule | undefined;
