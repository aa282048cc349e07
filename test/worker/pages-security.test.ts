/**
 * Finding 6 of issue 18, the smaller things: pages without a
 * Content-Security-Policy, framing rule, nosniff or Referrer-Policy; a room
 * icon that could be a javascript: URL; nicks and texts that a right-to-left
 * override could turn around; and the fields of the logs, documented.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { isIconUrl, parseRoom, parseSiteConfig } from "../../src/config";
import { eventLine, LOG_EVENT_LEVELS } from "../../src/log";
import { findElements } from "../support/dom";
import { ORIGIN, send } from "../support/rooms";

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

/** A policy as directive -> sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  );
}

const basic = `Basic ${btoa("alice:first password")}`;

/** Every kind of page a browser shows, and what may frame it. */
const PAGES: { path: string; frameAncestors: string[]; headers?: Record<string, string> }[] = [
  { path: "/", frameAncestors: ["'self'"] },
  { path: "/lobby/", frameAncestors: ["'self'", "https://embed.example", "http://friend.example:8080"] },
  { path: "/lobby/badge.html", frameAncestors: ["*"] },
  { path: `/lobby/a/${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}`, frameAncestors: ["'self'"] },
  { path: "/lobby/search?q=hello", frameAncestors: ["'self'"] },
  { path: "/lobby/nothing-here", frameAncestors: ["'self'"] },
  { path: "/secret/password", frameAncestors: ["'self'"], headers: { Authorization: basic } },
];

describe("security headers", () => {
  it.each(PAGES)(
    "$path: a CSP allowing only our scripts, the theme script by its hash and the players; its framing rule; nosniff; Referrer-Policy",
    async ({ path, frameAncestors, headers }) => {
      const res = await send(path, { headers, redirect: "manual" });
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      const policy = directives(res.headers.get("Content-Security-Policy") ?? "");
      const page = await res.text();
      const inline = findElements(page, (tag, attrs) => tag === "script" && attrs["src"] === undefined);
      expect(inline.length).toBeGreaterThan(0);
      const hashes = await Promise.all(inline.map((s) => sha256Base64(s.text)));
      expect(policy.get("script-src")).toEqual(["'self'", ...new Set(hashes.map((h) => `'sha256-${h}'`))]);
      // Every external script is ours.
      for (const script of findElements(page, (tag, attrs) => tag === "script" && attrs["src"] !== undefined)) {
        expect(new URL(script.attrs["src"]!, `${ORIGIN}${path}`).origin).toBe(ORIGIN);
      }
      expect(policy.get("default-src")).toEqual(["'self'"]);
      expect(policy.get("object-src")).toEqual(["'none'"]);
      expect(policy.get("base-uri")).toEqual(["'none'"]);
      expect(policy.get("frame-src")).toEqual(["https://www.youtube-nocookie.com", "https://embed.nicovideo.jp"]);
      expect(policy.get("frame-ancestors")).toEqual(frameAncestors);
      expect(res.headers.get("X-Frame-Options")).toBe(frameAncestors.length === 1 && frameAncestors[0] === "'self'" ? "SAMEORIGIN" : null);
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
    },
  );

  it("should put nosniff and the Referrer-Policy on every other response, from the Worker or the room, and no CSP", async () => {
    const cases: [string, RequestInit?][] = [
      ["/lobby/var/status.js"],
      ["/lobby/var/seq"],
      ["/lobby/b"],
      ["/lobby/comet?p=0&s=0"],
      ["/lobby/comet?p=0&s=1"],
      ["/lobby/var/index.rdf"],
      ["/lobby/post", { method: "POST", body: new URLSearchParams({ nick: "h", text: "headers" }), headers: { Accept: "application/json" } }],
      ["/lobby/comet?p=abc"],
      ["/robots.txt"],
      ["/lobby/manifest.webmanifest"],
      ["/lobby/var/seq", { method: "HEAD" }],
      ["/lobby", { redirect: "manual" }],
    ];
    for (const [path, init] of cases) {
      const res = await send(path, init);
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy"), path).toBe("strict-origin-when-cross-origin");
      if (!(res.headers.get("Content-Type") ?? "").startsWith("text/html")) expect(res.headers.get("Content-Security-Policy"), path).toBeNull();
      await res.arrayBuffer();
    }
  });

  it("should hand a WebSocket upgrade over untouched", async () => {
    const res = await exports.default.fetch(new Request(`${ORIGIN}/lobby/ws?p=0`, { headers: { Upgrade: "websocket" } }));
    expect(res.status).toBe(101);
    expect(res.webSocket).not.toBeNull();
    res.webSocket!.accept();
    res.webSocket!.close(1000, "done");
  });
});

describe("the room icon setting", () => {
  const withIcon = (icon: string) => () => parseRoom({ name: "r", icon });

  it("should take an http(s) URL or a path on this site", () => {
    for (const icon of [
      "/chaton.svg",
      "/icons/a b.png".replace(" ", "%20"),
      '/chaton.svg?a="b"&c=<d>',
      "https://example.com/i.png",
      "http://example.com:8080/i.png",
    ]) {
      expect(isIconUrl(icon), icon).toBe(true);
      expect(withIcon(icon)().icon).toBe(icon);
      expect(parseSiteConfig({ ROOMS: [{ name: "r", icon }] }).rooms.get("r")!.icon).toBe(icon);
    }
  });

  it("should refuse javascript:, data: and other schemes, other sites written as paths, and what does not parse", () => {
    for (const icon of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "data:image/svg+xml,<svg onload=alert(1)>",
      "vbscript:x",
      "ftp://example.com/i.png",
      "//evil.example/i.png",
      "/\\evil.example/i.png",
      "chaton.svg",
      "",
      "https://exa mple.com/i.png",
      "/a\nb",
    ]) {
      expect(isIconUrl(icon), JSON.stringify(icon)).toBe(false);
      expect(withIcon(icon), JSON.stringify(icon)).toThrow(/icon must be an http\(s\) URL or a path starting with \//);
      // In the site's settings, that room alone is refused, with the reason.
      expect(parseSiteConfig({ ROOMS: [{ name: "r", icon }] }).refusedRooms.get("r"), JSON.stringify(icon)).toMatch(/^room r: icon must be/);
    }
  });
});

describe("ALLOWED_ORIGINS", () => {
  it("should read origins separated by spaces or commas, and refuse what is not an origin", () => {
    const site = (value: string) => parseSiteConfig({ ROOMS: [{ name: "r" }], ALLOWED_ORIGINS: value });
    expect(site("https://a.example, http://b.example:8080  https://c.example/").allowedOrigins).toEqual([
      "https://a.example",
      "http://b.example:8080",
      "https://c.example",
    ]);
    expect(site("").allowedOrigins).toEqual([]);
    for (const bad of ["a.example", "https://a.example/path", "ftp://a.example", "*"]) expect(() => site(bad), bad).toThrow(/ALLOWED_ORIGINS/);
  });
});

describe("bidi isolation", () => {
  const NICK = "\u202Eevil\u202E";
  const TEXT = "abc \u202Edef\u202D ghi";

  it("should render nicks and texts in elements that isolate them (dir=auto) on every page that shows entries", async () => {
    const posted = await send("/lobby/post", { method: "POST", body: new URLSearchParams({ nick: NICK, text: TEXT }) });
    expect(posted.status).toBe(200);
    const comet = (await (await send("/lobby/comet?p=0")).json()) as { content: string };
    for (const [where, markup] of [
      ["room page", await (await send("/lobby/")).text()],
      ["archive", await (await send("/lobby/a/today")).text()],
      ["comet", comet.content],
      ["search", await (await send(`/lobby/search?q=${encodeURIComponent("ghi")}`)).text()],
    ] as const) {
      const nicks = findElements(markup, (_tag, attrs) => attrs["class"] === "chatter").filter((e) => e.text === NICK);
      const texts = findElements(markup, (_tag, attrs) => attrs["class"] === "entry-text" || attrs["class"] === "search-text").filter((e) => e.text === TEXT);
      expect(nicks.length, where).toBeGreaterThan(0);
      expect(texts.length, where).toBeGreaterThan(0);
      for (const element of [...nicks, ...texts]) expect(element.attrs["dir"], where).toBe("auto");
    }
  });
});

describe("the logs", () => {
  it("should document every event the logger writes in README's Logs table, with its level", () => {
    const section = readme.slice(readme.indexOf("\n### Logs"), readme.indexOf("\n## ", readme.indexOf("\n### Logs") + 1));
    const rows = new Map([...section.matchAll(/^\| `([a-z0-9-]+)` +\| (info|warn|error) +\|/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.fromEntries(rows)).toEqual(LOG_EVENT_LEVELS);
  });

  it("should write one JSON line with the event, its level and its fields", () => {
    const line = eventLine({ event: "post-limited", room: "lobby", ip: "192.0.2.1", limit: "client", client: "socket:7", retryAfter: 2 });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      level: "warn",
      event: "post-limited",
      room: "lobby",
      ip: "192.0.2.1",
      limit: "client",
      client: "socket:7",
      retryAfter: 2,
    });
  });
});
