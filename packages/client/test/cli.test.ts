import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { CONTINUATION, localClock, watchLine } from "../src/cli/format.js";
import type { Io } from "../src/cli/io.js";
import { cut, fakeFetch, json, text, type Answer } from "./support/fake-fetch.js";

const ROOM = "http://chat.test/lobby/";
const LOGIN = {
  "post-uri": `${ROOM}post`,
  "comet-uri": `${ROOM}comet`,
  "icon-uri": "http://chat.test/chaton.svg",
  "room-name": "Chaton Lobby",
  cid: 5,
  pos: 10,
};

/** Runs the command in this process with a fake fetch; `stop` plays Ctrl-C. */
function run(argv: string[], answers: Answer[] = [], stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const stops: (() => void)[] = [];
  const { fetch, requests } = fakeFetch(answers);
  const io: Io = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readStdin: async () => stdin,
    onStop: (stop) => stops.push(stop),
    fetch,
  };
  const done = main(argv, io);
  return {
    done,
    requests,
    stop: () => stops.forEach((stop) => stop()),
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

describe("the chaton command", () => {
  it("should list its commands and exit 0 with --help, 2 without a command", async () => {
    const help = run(["--help"]);
    expect(await help.done).toBe(0);
    for (const name of ["watch", "post", "search"]) expect(help.out()).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(await run([]).done).toBe(2);
    const unknown = run(["chat"]);
    expect(await unknown.done).toBe(2);
    expect(unknown.err()).toMatch(/unknown command chat/);
  });

  it("should give every command a --help with its usage and exit codes", async () => {
    for (const name of ["watch", "post", "search"]) {
      const help = run([name, "--help"]);
      expect(await help.done).toBe(0);
      expect(help.out()).toMatch(new RegExp(`^Usage: chaton ${name} <room-url>`));
      expect(help.out()).toMatch(/Exit codes: 0 /);
      expect(help.requests).toEqual([]);
    }
  });

  it("should exit 2 on wrong arguments, saying what is wrong", async () => {
    const cases: [string[], RegExp][] = [
      [["post", ROOM, "hello"], /--nick is required/],
      [["post", "not a url", "--nick", "a"], /not a URL/],
      [["post", "ftp://h/lobby/", "--nick", "a"], /not an http/],
      [["watch", ROOM, "--since", "yesterday"], /--since must be/],
      [["watch", ROOM, "--frobnicate"], /Unknown option/],
      [["watch", ROOM, "--transport", "carrier-pigeon"], /--transport must be/],
      [["search", ROOM], /the query is missing/],
      [["search", ROOM, "x", "--limit", "0"], /--limit must be/],
    ];
    for (const [argv, reason] of cases) {
      const result = run(argv);
      expect(await result.done, argv.join(" ")).toBe(2);
      expect(result.err()).toMatch(reason);
    }
  });
});

describe("chaton post", () => {
  it("should print the position once stored, the words joined as the text", async () => {
    const result = run(["post", ROOM, "--nick", "bot", "hello", "world"], [json(LOGIN), json({ stored: true, pos: 11 })]);
    expect(await result.done).toBe(0);
    expect(result.out()).toBe("11\n");
    expect(result.requests[0]!.url).toBe(`${ROOM}apilogin`);
    expect(result.requests[1]!.form!.get("text")).toBe("hello world");
  });

  it("should take the text from standard input when none is given", async () => {
    const result = run(["post", ROOM, "-n", "bot"], [json(LOGIN), json({ stored: true, pos: 12 })], "line one\nline two\n");
    expect(await result.done).toBe(0);
    expect(result.requests[1]!.form!.get("text")).toBe("line one\nline two\n");
  });

  it("should pass a given msgid, and print stored when the server does not tell the position", async () => {
    const result = run(
      ["post", ROOM, "-n", "bot", "--msgid", "bridge:42", "hi"],
      [json(LOGIN), new Response("<html></html>", { headers: { "Content-Type": "text/html" } })],
    );
    expect(await result.done).toBe(0);
    expect(result.out()).toBe("stored\n");
    expect(result.requests[1]!.form!.get("msgid")).toBe("bridge:42");
  });

  it("should exit 4 with the wait when rate-limited, 3 with the reason when refused", async () => {
    const limited = run(["post", ROOM, "-n", "bot", "x"], [json(LOGIN), text("Too many posts; try again in 20 s\n", 429, { "Retry-After": "20" })]);
    expect(await limited.done).toBe(4);
    expect(limited.err()).toMatch(/retry in 20 s/);
    const refused = run(["post", ROOM, "-n", "bot", "x"], [json(LOGIN), text("Body too large\n", 413)]);
    expect(await refused.done).toBe(3);
    expect(refused.err()).toMatch(/Body too large/);
    const empty = run(["post", ROOM, "-n", "bot", " "], [json(LOGIN), json({ stored: false, pos: 10 })]);
    expect(await empty.done).toBe(3);
    const noRoom = run(["post", "http://chat.test/nowhere/", "-n", "bot", "x"], [text("No such room\n", 404)]);
    expect(await noRoom.done).toBe(3);
    expect(noRoom.err()).toMatch(/No such room/);
  });

  it("should exit 1 when the room cannot be reached", async () => {
    const result = run(["post", ROOM, "-n", "bot", "x"], [cut()]);
    expect(await result.done).toBe(1);
    expect(result.err()).toMatch(/apilogin|chat\.test/);
  });
});

describe("chaton watch", () => {
  it("should print one JSON object per entry, and stop with exit 0 when asked to", async () => {
    const reply = {
      pos: 12,
      nc: 2,
      ver: "v",
      cid: 5,
      content: [
        ["alice", [1700000000, 123456], "hi"],
        ["bob", [1700000001, 5], "a\nb"],
      ],
    };
    const hold = () => new Promise<Response>(() => {});
    const result = run(["watch", ROOM, "--json", "--transport", "comet"], [json(LOGIN), json(reply), hold]);
    while (!result.out().includes("bob")) await new Promise((r) => setTimeout(r, 5));
    result.stop();
    expect(await result.done).toBe(0);
    const lines = result
      .out()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { pos: 11, nick: "alice", time: [1700000000, 123456], text: "hi", permalink: `${ROOM}a/2023/11/14#entry-6553f100-1e240` },
      { pos: 12, nick: "bob", time: [1700000001, 5], text: "a\nb", permalink: `${ROOM}a/2023/11/14#entry-6553f101-05` },
    ]);
    expect(result.err()).toMatch(/connected to Chaton Lobby \(comet\)/);
    expect(new URL(result.requests[1]!.url).searchParams.get("p")).toBe("10");
  });
});

describe("the watcher's lines", () => {
  const saved = process.env["TZ"];
  afterEach(() => {
    if (saved === undefined) delete process.env["TZ"];
    else process.env["TZ"] = saved;
  });

  it("should show the time in the local time zone", () => {
    process.env["TZ"] = "Asia/Tokyo";
    expect(localClock(1700000000)).toBe("07:13");
    process.env["TZ"] = "America/New_York";
    expect(localClock(1700000000)).toBe("17:13");
  });

  it("should print HH:MM [room] nick: text, with the lines of a multi-line text indented", () => {
    process.env["TZ"] = "UTC";
    expect(watchLine("Chaton Lobby", { nick: "alice", time: [1700000000, 0], text: "hello" })).toBe("22:13 [Chaton Lobby] alice: hello\n");
    expect(watchLine("Lobby", { nick: "bob", time: [1700000000, 0], text: "one\ntwo\r\nthree" })).toBe(
      `22:13 [Lobby] bob: one\n${CONTINUATION}two\n${CONTINUATION}three\n`,
    );
  });
});
