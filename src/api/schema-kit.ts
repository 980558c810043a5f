// The means of declaring the API's schemas: the registry that names and describes
// them for the OpenAPI document, and the small builders every schema file uses.

import * as z from "zod/mini";
// The English messages alone: the locales namespace would bring every language along.
import en from "zod/v4/locales/en.js";

// Readable default messages ("Too big: expected number to be <=100") in every refusal.
z.config(en());

/** What the document says of a schema: a component's name, a description. */
export interface SchemaMeta {
  id?: string;
  description?: string;
  example?: string;
}

/** Names and descriptions of the schemas, for the OpenAPI document (build time only reads them). */
export const API_SCHEMAS = z.registry<SchemaMeta>();

/** `schema`, named `id` in the document with `description`. */
export function named<T extends z.ZodMiniType>(id: string, description: string | undefined, schema: T): T {
  API_SCHEMAS.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

/** `schema`, described in the document. */
export function doc<T extends z.ZodMiniType>(description: string, schema: T, example?: string): T {
  API_SCHEMAS.add(schema, example === undefined ? { description } : { description, example });
  return schema;
}

/** A string. */
export const text = () => z.string();
/** A whole number. */
export const int = () => z.number().check(z.int());
/** `schema`, or null. */
export const orNull = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);

