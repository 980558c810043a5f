// The OpenAPI document as this deployment serves it: the API's own (openapi.json, built
// from the routes) with each workflow's declared input schema in the start body, so a
// client generated from it, or a reader of it, sees what each workflow takes.

import { inputJsonSchema, type Workflow } from "baton-workflows";
import { registry } from "../registry.ts";
import openApiDocument from "./openapi.json";

type Schema = Record<string, unknown>;
interface Document {
  components: { schemas: Record<string, Schema> };
  [key: string]: unknown;
}

let served: Document | undefined;

/** The document with `StartBody` a choice of one body per workflow that declares an input schema, or any JSON for the rest; built once per isolate. */
export function liveOpenApiDocument(): Document {
  if (served) return served;
  const document = structuredClone(openApiDocument) as unknown as Document;
  const schemas = document.components.schemas;
  const variants: Schema[] = [];
  for (const entry of registry.list()) {
    const input = entry.kind === "workflow" ? (entry.workflow as Partial<Workflow>).input : undefined;
    const schema = input ? inputJsonSchema(input) : null;
    if (!schema) continue;
    // Component names are letters, digits, ".", "-" and "_": a workflow's "/" becomes ".".
    const name = `StartBody.${entry.name.replace(/[^A-Za-z0-9._-]/g, ".")}`;
    const { $schema: _dialect, ...body } = schema;
    schemas[name] = {
      type: "object",
      description: `A start of workflow "${entry.name}": its input as its input schema declares it.`,
      // The start options every body takes beside its input.
      properties: { workflow: { const: entry.name }, input: body, debounce: { $ref: "#/components/schemas/DebounceOption" }, singleton: { $ref: "#/components/schemas/SingletonOption" } },
      required: ["workflow", "input"],
      additionalProperties: false,
    };
    variants.push({ $ref: `#/components/schemas/${name}` });
  }
  if (variants.length > 0) {
    schemas.StartBodyAnyWorkflow = schemas.StartBody ?? {};
    schemas.StartBody = { anyOf: [...variants, { $ref: "#/components/schemas/StartBodyAnyWorkflow" }], description: "A start: of a workflow with an input schema (one body each), or of any other." };
  }
  served = document;
  return document;
}
