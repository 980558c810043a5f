// Where traces go: BATON_OTLP_ENDPOINT (a collector's base URL, or its full
// /v1/traces URL), BATON_OTLP_HEADERS (OTEL_EXPORTER_OTLP_HEADERS' format,
// `key=value,key2=value2`, values percent-encoded; it may hold an API key, so it is
// never logged) and BATON_OTLP_SERVICE_NAME. Unset endpoint: tracing is off.

import type { Env } from "../env.ts";

/** How a Worker exports traces. */
export interface OtlpConfig {
  /** The URL spans are POSTed to. */
  url: string;
  /** The URL's origin: all an error message may name of it. */
  origin: string;
  headers: Record<string, string>;
  serviceName: string;
}

const cache = new Map<string, OtlpConfig | null>();

/** The env's export settings, or null when tracing is off (no endpoint, or one that is not an http(s) URL). */
export function otlpConfig(env: Pick<Env, "BATON_OTLP_ENDPOINT" | "BATON_OTLP_HEADERS" | "BATON_OTLP_SERVICE_NAME">): OtlpConfig | null {
  const endpoint = env.BATON_OTLP_ENDPOINT?.trim();
  if (!endpoint) return null;
  const id = `${endpoint}\n${env.BATON_OTLP_HEADERS ?? ""}\n${env.BATON_OTLP_SERVICE_NAME ?? ""}`;
  let config = cache.get(id);
  if (config === undefined) {
    config = parseConfig(endpoint, env.BATON_OTLP_HEADERS, env.BATON_OTLP_SERVICE_NAME);
    cache.set(id, config);
  }
  return config;
}

/** True when runs export traces: the one check the hot path makes. */
export function tracingOn(env: Pick<Env, "BATON_OTLP_ENDPOINT" | "BATON_OTLP_HEADERS" | "BATON_OTLP_SERVICE_NAME">): boolean {
  return !!env.BATON_OTLP_ENDPOINT && otlpConfig(env) !== null;
}

function parseConfig(endpoint: string, headers: string | undefined, serviceName: string | undefined): OtlpConfig | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    console.error("baton: BATON_OTLP_ENDPOINT is not a URL; traces are not exported");
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    console.error(`baton: BATON_OTLP_ENDPOINT must be an http(s) URL (it is ${url.protocol}); traces are not exported`);
    return null;
  }
  const target = url.pathname.replace(/\/+$/, "").endsWith("/v1/traces") ? url.toString() : `${url.origin}${url.pathname.replace(/\/+$/, "")}/v1/traces${url.search}`;
  return { url: target, origin: url.origin, headers: parseHeaders(headers), serviceName: serviceName?.trim() || "baton" };
}

/** `key=value,key2=value2` as headers; values are percent-decoded, a pair without `=` is skipped. */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    if (key === "") continue;
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Not percent-encoded after all: taken as written.
    }
    headers[key] = value;
  }
  return headers;
}
