import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Io } from "../src/cli/io.js";
import { search, searchPage } from "../src/search.js";
import { fakeFetch, json, text } from "./support/fake-fetch.js";

const ROOM = "http://chat.test/lobby/";
const result = (n: number) => ({
  nick: "alice",
  time: [1700000000 + n, n],
  text: `match ${n}`,
  permalink: `${ROOM}a/2023/11/14#entry-${(1700000000 + n).toString(16)}-${n.toString(16).padStart(2, "0")}`,
});

describe("searching a room", () => {
  it("should ask for the query as JSON and read a page", async () => {
    const { fetch, requests } = fakeFetch([json({ q: "café au lait", results: [result(1)], next: null })]);
    const page = await searchPage(ROOM, "café au lait", { fetch });
    expect(page).toEqual({ q: "café au lait", results: [result(1)], next: null });
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe("/lobby/search");
    expect(url.searchParams.get("q")).toBe("café au lait");
    expect(url.searchParams.get("format")).toBe("json");
    expect(url.searchParams.has("cursor")).toBe(false);
  });

  it("should follow the pages with their cursor, up to the limit", async () => {
    const { fetch, requests } = fakeFetch([
      json({ q: "m", results: [result(1), result(2)], next: "c2" }),
      json({ q: "m", results: [result(3), result(4)], next: "c3" }),
    ]);
    const found = [];
    for await (const r of search(ROOM, "m", { fetch, limit: 3 })) found.push(r.text);
    expect(found).toEqual(["match 1", "match 2", "match 3"]);
    expect(requests).toHaveLength(2);
    expect(new URL(requests[1]!.url).searchParams.get("cursor")).toBe("c2");
  });

  it("should refuse a reply that is not a page of results", async () => {
    const { fetch } = fakeFetch([json({ q: "m", results: [{ nick: "a" }], next: null })]);
    await expect(searchPage(ROOM, "m", { fetch })).rejects.toThrow(/not a page of results/);
  });
});

describe("chaton search", () => {
  const savedTz = process.env["TZ"];
  afterEach(() => {
    if (savedTz === undefined) delete process.env["TZ"];
    else process.env["TZ"] = savedTz;
  });

  function run(argv: string[], answers: Parameters<typeof fakeFetch>[0]) {
    const out: string[] = [];
    const err: string[] = [];
    const { fetch } = fakeFetch(answers);
    const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), readStdin: async () => "", onStop: () => {}, fetch };
    return { done: main(["search", ...argv], io), out: () => out.join(""), err: () => err.join("") };
  }

  it("should print one JSON object per result with --json, across pages", async () => {
    const r = run([ROOM, "match", "--json"], [json({ q: "match", results: [result(1)], next: "x" }), json({ q: "match", results: [result(2)], next: null })]);
    expect(await r.done).toBe(0);
    expect(
      r
        .out()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([result(1), result(2)]);
  });

  it("should print each result's time, nick, text and permalink", async () => {
    process.env["TZ"] = "UTC";
    const r = run([ROOM, "match", "1"], [json({ q: "match 1", results: [result(1)], next: null })]);
    expect(await r.done).toBe(0);
    expect(r.out()).toBe(`2023-11-14 22:13 alice: match 1\n      ${result(1).permalink}\n`);
  });

  it("should exit 3 when the room has no search", async () => {
    const r = run([ROOM, "x"], [text("Not found\n", 404)]);
    expect(await r.done).toBe(3);
    expect(r.err()).toMatch(/this room has no search/);
  });
});
