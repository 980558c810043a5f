// A test-only Durable Object counting effects: task closures call `hit(name)`, tests
// read `count(name)`. It lives outside the engine, so it sees what really ran. Each
// method reads and writes its tally with no other event in between (the object's
// input gate holds them while storage works).

import { DurableObject } from "cloudflare:workers";

interface Tally {
  /** How often it ran. */
  n: number;
  /** How many run now. */
  live: number;
  /** The most that ever ran at once. */
  peak: number;
}

export class Probe extends DurableObject {
  private async tally(name: string): Promise<Tally> {
    return (await this.ctx.storage.get<Tally>(name)) ?? { n: 0, live: 0, peak: 0 };
  }

  /** Counts one execution of `name`; returns the count so far. */
  async hit(name: string): Promise<number> {
    const tally = await this.tally(name);
    tally.n += 1;
    await this.ctx.storage.put(name, tally);
    return tally.n;
  }

  /** Marks one more `name` running; returns how many run now. */
  async enter(name: string): Promise<number> {
    const tally = await this.tally(name);
    tally.n += 1;
    tally.live += 1;
    tally.peak = Math.max(tally.peak, tally.live);
    await this.ctx.storage.put(name, tally);
    return tally.live;
  }

  /** Marks one `name` done. */
  async exit(name: string): Promise<void> {
    const tally = await this.tally(name);
    tally.live -= 1;
    await this.ctx.storage.put(name, tally);
  }

  /** The most `name`s that ever ran at once. */
  async peak(name: string): Promise<number> {
    return (await this.tally(name)).peak;
  }

  /** How often `name` ran. */
  async count(name: string): Promise<number> {
    return (await this.tally(name)).n;
  }
}
