// A browser's visit to the console for the workerd tests: keeps the session cookie and
// posts forms from the console's own origin.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { TOKEN } from "./helpers.ts";

export const ORIGIN = "https://baton.test";

/** A browser's visit: keeps the session cookie, and posts forms from the console's own origin. */
export class Browser {
  cookie = "";

  async get(path: string): Promise<Response> {
    return SELF.fetch(`${ORIGIN}${path}`, { headers: this.cookie ? { Cookie: this.cookie } : {}, redirect: "manual" });
  }

  async post(path: string, form: Record<string, string>, origin = ORIGIN): Promise<Response> {
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Origin: origin };
    if (this.cookie) headers.Cookie = this.cookie;
    const response = await SELF.fetch(`${ORIGIN}${path}`, { method: "POST", body: new URLSearchParams(form), headers, redirect: "manual" });
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0] ?? "";
    return response;
  }

  static async signedIn(): Promise<Browser> {
    const browser = new Browser();
    const response = await browser.post("/sign-in", { token: TOKEN, next: "/" });
    expect(response.status).toBe(303);
    return browser;
  }
}

