// An example value for a JSON Schema, to pre-fill the console's start form: each
// property's default, example, const or first enum value where the schema gives one,
// else a plain value of its type that meets its bounds. Only the input a person edits.

type Schema = { [key: string]: unknown };

const MAX_DEPTH = 6;

/** An example of what `schema` accepts (a best effort: checked by the schema itself on start). */
export function exampleOf(schema: unknown, depth = 0): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return null;
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const choice of ["anyOf", "oneOf", "allOf"] as const) {
    const parts = schema[choice];
    if (Array.isArray(parts) && parts.length > 0) return exampleOf(parts.find((part) => !(isSchema(part) && part.type === "null")) ?? parts[0], depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== "null") as string | undefined) : (schema.type as string | undefined);
  switch (type ?? (isSchema(schema.properties) ? "object" : undefined)) {
    case "object": {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(properties);
      return Object.fromEntries(Object.entries(properties).filter(([name]) => required.includes(name)).map(([name, part]) => [name, exampleOf(part, depth + 1)]));
    }
    case "array": {
      const count = typeof schema.minItems === "number" ? Math.min(schema.minItems, 3) : 1;
      return Array.from({ length: count }, () => exampleOf(schema.items, depth + 1));
    }
    case "string":
      return stringExample(schema);
    case "integer":
    case "number": {
      const low = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + 1 : 0;
      return type === "integer" ? Math.ceil(low) : low;
    }
    case "boolean":
      return false;
    default:
      return null;
  }
}

/** A string of the schema's format, or a word at least its minimum length. */
function stringExample(schema: Schema): string {
  switch (schema.format) {
    case "email":
      return "someone@example.com";
    case "uri":
    case "url":
      return "https://example.com";
    case "date-time":
      return "2026-01-01T00:00:00Z";
    case "date":
      return "2026-01-01";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    default: {
      const min = typeof schema.minLength === "number" ? schema.minLength : 0;
      return "text".padEnd(min, "x");
    }
  }
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
