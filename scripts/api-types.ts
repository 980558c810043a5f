// Builds the API's OpenAPI 3.1 document from the routes (src/api/routes.ts) and their
// zod schemas (src/api/schemas.ts, JSON Schema by zod's own toJSONSchema), and from it
// sdk/client/api-types.ts, the types BatonClient and the Worker share: a shape is
// declared once, as a zod schema. The Worker serves the document as written here
// (src/api/openapi.json), so building it costs the Worker nothing. `npm run
// api-types` runs this; a test fails while either file is stale.
//
// A small printer rather than a generator package: the ones made for this print through
// the TypeScript compiler API, which the TypeScript this project uses no longer has; the
// document uses a small part of JSON Schema (objects, arrays, enums, unions, refs).
// Usage: node --conditions=baton-source scripts/api-types.ts

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as z from "zod/mini";
import { API_ROUTES, type RouteSpec } from "../src/api/routes.ts";
import { API_SCHEMAS } from "../src/api/schemas.ts";

/** The part of JSON Schema the document uses. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  description?: string;
}

/** Where the generated files go. */
export const API_TYPES_FILE = fileURLToPath(new URL("../sdk/client/api-types.ts", import.meta.url));
export const OPENAPI_FILE = fileURLToPath(new URL("../src/api/openapi.json", import.meta.url));

type JsonSchema = Record<string, unknown>;

const REF = (id: string) => `#/components/schemas/${id}`;

/** A zod schema as JSON Schema: a reference when it is a named component, else inline. */
function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const id = API_SCHEMAS.get(schema)?.id;
  if (id) return { $ref: REF(id) };
  return clean(z.toJSONSchema(schema, { target: "draft-2020-12", io, metadata: API_SCHEMAS, unrepresentable: "any" }) as JsonSchema);
}

/** Drops what each converted schema repeats ($schema, $id). */
function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** The schema inside optional() and _default() wrappers, and whether it may be left out. */
function unwrap(schema: z.ZodMiniType): { inner: z.ZodMiniType; optional: boolean } {
  let inner = schema;
  const optional = schema._zod.optin === "optional";
  while (inner._zod.def.type === "optional" || inner._zod.def.type === "default") inner = (inner._zod.def as unknown as { innerType: z.ZodMiniType }).innerType;
  return { inner, optional };
}

/** The OpenAPI parameters an object schema of path, query or header values describes. */
function parameters(where: "path" | "query" | "header", schema: z.ZodMiniObject | undefined): JsonSchema[] {
  if (!schema) return [];
  return Object.entries(schema.shape as Record<string, z.ZodMiniType>).map(([name, field]) => {
    const { inner, optional } = unwrap(field);
    const meta = API_SCHEMAS.get(inner) ?? API_SCHEMAS.get(field);
    return {
      name,
      in: where,
      required: where === "path" || !optional,
      ...(meta?.description ? { description: meta.description } : {}),
      schema: schemaOf(inner, "input"),
    };
  });
}

function operation(route: RouteSpec): JsonSchema {
  const request = route.request ?? {};
  const params = [...parameters("path", request.params), ...parameters("query", request.query), ...parameters("header", request.headers)];
  const responses: JsonSchema = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = { description: response.description, ...(response.schema ? { content: { "application/json": { schema: schemaOf(response.schema, "output") } } } : {}) };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.public ? { security: [] } : route.worker ? { security: [{ workerToken: [] }] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(request.body
      ? {
          requestBody: {
            required: request.body.required,
            ...(request.body.description ? { description: request.body.description } : {}),
            content: { "application/json": { schema: schemaOf(request.body.schema, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const route of API_ROUTES) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  const converted = z.toJSONSchema(API_SCHEMAS, { target: "draft-2020-12", io: "output", metadata: API_SCHEMAS, unrepresentable: "any", uri: REF }) as { schemas: Record<string, JsonSchema> };
  const schemas: Record<string, JsonSchema> = {};
  for (const name of Object.keys(converted.schemas).sort()) schemas[name] = clean(converted.schemas[name] ?? {});
  return {
    openapi: "3.1.0",
    info: {
      title: "Baton",
      version: "1",
      description:
        "Durable workflows on Cloudflare Workers: start, read, list, cancel, restart and delete runs; send events; decide approvals. Errors are {error: {code, message}}; a refused request changes nothing.",
    },
    security: [{ bearerToken: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "The Worker's BATON_API_TOKEN secret." },
        workerToken: { type: "http", scheme: "bearer", description: "The Worker's BATON_WORKER_TOKEN secret: only workers you run use it (/api/worker/v1)." },
      },
      schemas,
    },
  };
}

/** The text of src/api/openapi.json. */
export function openApiSource(document = openApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

const HEADER = `// Generated by scripts/api-types.ts from the API's OpenAPI document (the schemas in
// src/api/schemas.ts): the shapes the HTTP API reads and answers, shared by the Worker
// that sends them and the client that reads them. Do not edit; run \`npm run api-types\`.
`;

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

function comment(description: string | undefined, indent: string): string {
  return description ? `${indent}/** ${description.replace(/\*\//g, "*\\/")} */\n` : "";
}

/** The TypeScript type of `schema`, as written inside a declaration at `indent`. */
function typeOf(schema: Schema, indent: string): string {
  if (schema.$ref) return refName(schema.$ref);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(union.map((part) => typeOf(part, indent)))].join(" | ");
  if (schema.allOf) return schema.allOf.map((part) => typeOf(part, indent)).join(" & ");
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length === 0) return schema.properties ? objectType(schema, indent) : "unknown";
  return types
    .map((type) => {
      switch (type) {
        case "string":
          return "string";
        case "number":
        case "integer":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array": {
          const item = schema.items ? typeOf(schema.items, indent) : "unknown";
          return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
        }
        case "object":
          return objectType(schema, indent);
        default:
          throw new Error(`api-types: no TypeScript for JSON Schema type "${type}"`);
      }
    })
    .join(" | ");
}

/** An object literal type: its properties, or an index signature for a record. */
function objectType(schema: Schema, indent: string): string {
  if (!schema.properties) {
    const values = typeof schema.additionalProperties === "object" ? typeOf(schema.additionalProperties, indent) : "unknown";
    return `{ [key: string]: ${values} }`;
  }
  return `{\n${members(schema, `${indent}  `)}${indent}}`;
}

function members(schema: Schema, indent: string): string {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .map(([name, property]) => {
      const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
      const type = typeOf(property, indent);
      // Optional members also take undefined: the Worker builds answers with exactOptionalPropertyTypes on.
      const member = required.has(name) ? `${key}: ${type};` : `${key}?: ${type} | undefined;`;
      return `${comment(property.description, indent)}${indent}${member}\n`;
    })
    .join("");
}

/** One named component as an exported interface or type. */
function declaration(name: string, schema: Schema): string {
  const doc = comment(schema.description, "");
  if (schema.allOf && schema.allOf.length === 2 && schema.allOf[0]?.$ref && schema.allOf[1]?.properties) {
    return `${doc}export interface ${name} extends ${refName(schema.allOf[0].$ref)} {\n${members(schema.allOf[1], "  ")}}\n`;
  }
  if (schema.properties && (schema.type === "object" || schema.type === undefined)) {
    return `${doc}export interface ${name} {\n${members(schema, "  ")}}\n`;
  }
  return `${doc}export type ${name} = ${typeOf(schema, "")};\n`;
}

/** The text of sdk/client/api-types.ts for the current schemas. */
export function apiTypesSource(document: JsonSchema = openApiDocument()): string {
  const schemas = (document as { components?: { schemas?: Record<string, Schema> } }).components?.schemas ?? {};
  const names = Object.keys(schemas).sort();
  return `${HEADER}\n${names.map((name) => declaration(name, schemas[name] as Schema)).join("\n")}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const document = openApiDocument();
  writeFileSync(OPENAPI_FILE, openApiSource(document));
  writeFileSync(API_TYPES_FILE, apiTypesSource(document));
}
