// Workflow input and output schemas: any Standard Schema (standardschema.dev: zod,
// valibot, arktype and others carry it), so Baton depends on no schema library. A
// workflow's input is checked before its run starts (hosts ask `checkInput`) and again,
// as the value the body receives, inside the body (the same on every replay); its output
// before the run completes.

import { InvalidInputError, InvalidOutputError } from "./errors.ts";

/** A schema as the Standard Schema interface describes it: what validates, and the types it infers. */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    /** Standard JSON Schema, where the library gives one (zod 4 does). */
    readonly jsonSchema?: { readonly input: (options: { target: string }) => Record<string, unknown> } | undefined;
  };
}

/** What a Standard Schema's validate answers. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

/** What a schema takes. */
export type InferInput<S extends StandardSchema> = NonNullable<S["~standard"]["types"]>["input"];
/** What a schema gives. */
export type InferOutput<S extends StandardSchema> = NonNullable<S["~standard"]["types"]>["output"];

/** One failing part of a value: its path (`$.user.email`) and what is wrong. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** True when `value` looks like a Standard Schema. */
export function isStandardSchema(value: unknown): value is StandardSchema {
  const props = (value as { "~standard"?: { validate?: unknown } } | null | undefined)?.["~standard"];
  return typeof props === "object" && props !== null && typeof props.validate === "function";
}

/** Validates `value`: the schema's output, or each failing path with its message. */
export async function validate<T>(schema: StandardSchema<unknown, T>, value: unknown): Promise<{ ok: true; value: T } | { ok: false; issues: SchemaIssue[] }> {
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return { ok: true, value: result.value };
  return { ok: false, issues: result.issues.map((issue) => ({ path: pathOf(issue.path ?? []), message: issue.message })) };
}

/** The issues as one line: `$.name: Expected string; $.age: Too small`. */
export function issuesText(issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
}

/** The JSON Schema of what a schema takes, when its library gives one; else null. */
export function inputJsonSchema(schema: StandardSchema): Record<string, unknown> | null {
  try {
    return schema["~standard"].jsonSchema?.input({ target: "draft-2020-12" }) ?? null;
  } catch {
    // A type JSON Schema cannot express (a transform, a custom check): the schema still validates.
    return null;
  }
}

/** Checks a run's input inside the body: the schema's output, or InvalidInputError naming each failing path. */
export async function parsedInput<T>(schema: StandardSchema<unknown, T>, value: unknown): Promise<T> {
  const checked = await validate(schema, value);
  if (!checked.ok) throw new InvalidInputError(`the run's input does not fit the workflow's input schema: ${issuesText(checked.issues)}`, checked.issues);
  return checked.value;
}

/** Checks a run's output before it completes: the schema's output, or InvalidOutputError naming each failing path. */
export async function parsedOutput<T>(schema: StandardSchema<unknown, T>, value: unknown): Promise<T> {
  const checked = await validate(schema, value);
  if (!checked.ok) throw new InvalidOutputError(`the workflow's result does not fit its output schema: ${issuesText(checked.issues)}`, checked.issues);
  return checked.value;
}

function pathOf(path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string {
  return `$${path
    .map((segment) => (typeof segment === "object" ? segment.key : segment))
    .map((key) => (typeof key === "number" ? `[${key}]` : typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(String(key))}]`))
    .join("")}`;
}
