// Which methods a path answers to, from the app's own route table: so a known path
// asked with the wrong method gets 405 and an Allow header, not a 404.

/** A route as Hono lists it in `app.routes`. */
interface Route {
  method: string;
  path: string;
}

const patterns = new Map<string, RegExp>();

/** The methods the routes answer at `path`, sorted (HEAD with GET); empty when no route matches it. */
export function allowedMethods(routes: readonly Route[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    // Middleware is listed as ALL; it answers nothing by itself.
    if (route.method === "ALL" || !patternOf(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods].sort();
}

/** A Hono path (`/runs/:id`, `/runs/:key{.+}`, `/x/*`) as a regular expression for the whole path. */
function patternOf(path: string): RegExp {
  let pattern = patterns.get(path);
  if (!pattern) {
    const body = path
      .split("/")
      .map((segment) => {
        if (segment === "*") return ".*";
        const param = /^:\w+(?:\{(.+)\})?$/.exec(segment);
        if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    pattern = new RegExp(`^${body}/?$`);
    patterns.set(path, pattern);
  }
  return pattern;
}
