// How a route is declared: its method, path, what it reads and every answer it may give,
// with the zod schemas the app validates with and the OpenAPI document shows.

import * as z from "zod/mini";
import { ApiErrorBody } from "./schemas.ts";

/** One answer a route may give: what it means, and its JSON body's schema (none for 204). */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodMiniType;
}

/** A route: its method and path, what it reads, and every answer it may give. */
export interface RouteSpec {
  method: "get" | "post" | "delete";
  /** As clients see it, parameters in braces: `/api/runs/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  /** Readable without the bearer token. */
  public?: boolean;
  /** Authenticated with the worker token (BATON_WORKER_TOKEN) instead of the API token. */
  worker?: boolean;
  request?: {
    params?: z.ZodMiniObject;
    query?: z.ZodMiniObject;
    headers?: z.ZodMiniObject;
    body?: { required: boolean; description?: string; schema: z.ZodMiniType };
  };
  responses: Record<number, ResponseSpec>;
}

/** Keeps a route's literal type while checking it is a route. */
export function createRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

/** The answer of every refused request, for the status codes a route may refuse with. */
export function refusals(codes: Record<number, string>): Record<number, ResponseSpec> {
  const responses: Record<number, ResponseSpec> = {};
  for (const [status, description] of Object.entries(codes)) responses[Number(status)] = { description, schema: ApiErrorBody };
  return responses;
}


/** A JSON answer with this schema. */
export function json(schema: z.ZodMiniType, description: string): ResponseSpec {
  return { description, schema };
}
