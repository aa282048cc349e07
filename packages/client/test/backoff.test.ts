import { describe, expect, it } from "vitest";
import { Backoff } from "../src/backoff.js";

describe("the back-off", () => {
  it("should double from the minimum up to the maximum", () => {
    const backoff = new Backoff({ minMs: 1000, maxMs: 30_000, random: () => 0.5 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("should jitter each delay by up to a quarter either way, never past the maximum", () => {
    const low = new Backoff({ minMs: 1000, maxMs: 30_000, random: () => 0 });
    const high = new Backoff({ minMs: 1000, maxMs: 30_000, random: () => 0.999999 });
    expect([low.next(), low.next()]).toEqual([750, 1500]);
    expect([high.next(), high.next()]).toEqual([1250, 2500]);
    for (let i = 0; i < 6; i++) high.next();
    expect(high.next()).toBe(30_000);
  });

  it("should spread a crowd of clients that lost the same server", () => {
    const delays = Array.from({ length: 200 }, () => new Backoff().next());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(750);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1250);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("should start again from the minimum after a reset", () => {
    const backoff = new Backoff({ minMs: 10, maxMs: 100, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });
});
