// How this Worker hosts Baton, as createBaton() was told: the base path everything
// Baton serves lives under ("" for the root, "/baton" to share the Worker with the
// host's own routes). One Baton per Worker, set once when the entry module loads, so
// the run objects (approval links) and the pages (their links) read the same value.

/** The host's settings; createBaton() sets them. */
export const host = { basePath: "" };

/** Checks and sets the base path: "" or "/segment[/segment…]" without a trailing slash. */
export function setBasePath(basePath: string | undefined): void {
  const value = (basePath ?? "").replace(/\/+$/, "");
  if (value !== "" && !/^(\/[A-Za-z0-9._~-]+)+$/.test(value)) {
    throw new Error(`baton: basePath must be "" or a path such as "/baton" (letters, digits, ".", "_", "~", "-" between slashes), not ${JSON.stringify(basePath)}`);
  }
  host.basePath = value;
}

/** A path Baton serves (`/runs/x`) as the browser must ask for it (`/baton/runs/x` under a base path). */
export function href(path: string): string {
  return `${host.basePath}${path}`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** True for a URL on a loopback address: the local dev server's, never a deployment's. */
export function isLoopback(url: string | URL): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
