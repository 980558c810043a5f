// A test-only Durable Object counting effects: task closures call `hit(name)`, tests
// read `count(name)`. It lives outside the engine, so it sees what really ran.

import { DurableObject } from "cloudflare:workers";

export class Probe extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (name TEXT PRIMARY KEY, n INTEGER NOT NULL, live INTEGER NOT NULL DEFAULT 0, peak INTEGER NOT NULL DEFAULT 0)");
  }

  /** Counts one execution of `name`; returns the count so far. */
  async hit(name: string): Promise<number> {
    return Number(
      this.ctx.storage.sql
        .exec("INSERT INTO hits (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1 RETURNING n", name)
        .one().n,
    );
  }

  /** Marks one more `name` running; returns how many run now. */
  async enter(name: string): Promise<number> {
    return Number(
      this.ctx.storage.sql
        .exec(
          "INSERT INTO hits (name, n, live, peak) VALUES (?, 1, 1, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1, live = live + 1, peak = MAX(peak, live + 1) RETURNING live",
          name,
        )
        .one().live,
    );
  }

  /** Marks one `name` done. */
  async exit(name: string): Promise<void> {
    this.ctx.storage.sql.exec("UPDATE hits SET live = live - 1 WHERE name = ?", name);
  }

  /** The most `name`s that ever ran at once. */
  async peak(name: string): Promise<number> {
    const row = this.ctx.storage.sql.exec("SELECT peak FROM hits WHERE name = ?", name).toArray()[0];
    return row ? Number(row.peak) : 0;
  }

  /** How often `name` ran. */
  async count(name: string): Promise<number> {
    const row = this.ctx.storage.sql.exec("SELECT n FROM hits WHERE name = ?", name).toArray()[0];
    return row ? Number(row.n) : 0;
  }
}
