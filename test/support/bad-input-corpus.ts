/**
 * A corpus of bad requests over every route, method, encoding and size (issue
 * 18): each must get a 4xx with a short reason, never a 5xx, and change
 * nothing. Made once here, sent inside the Workers runtime
 * (test/worker/bad-input-corpus.test.ts) and byte for byte to wrangler dev
 * (test/e2e/bad-input-corpus.test.ts). The rooms: lobby (loose), strict, and
 * secret (private, its first user alice).
 */
import { MAX_FORM_BYTES, MAX_SEARCH_QUERY_CHARS, MAX_URL_CHARS } from "../../src/protocol/limits";

export interface BadRequest {
  group: string;
  name: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
  /** The body's exact bytes. */
  body?: Uint8Array;
  /** Sent in chunks with no Content-Length. */
  streamed?: boolean;
  /** The address to send from (sign-in failures are counted per address). */
  ip?: string;
  /** The status it must get, or any 4xx where several are right. */
  status: number | "4xx";
}

export interface CorpusOptions {
  adminToken: string;
  /** A user of the private room and their password, "user:password". */
  member: string;
  /** Today, YYYY/MM/DD (UTC). */
  today: string;
}

const encoder = new TextEncoder();
const bytes = (...parts: (string | number[])[]) => {
  const arrays = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.byteLength;
  }
  return out;
};
const base64 = (text: string) => btoa(String.fromCharCode(...encoder.encode(text)));

const URLENCODED = "application/x-www-form-urlencoded";
const BOUNDARY = "corpusBoundary9f8e7d";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function part(name: string, value: string | number[], extra = ""): string | (string | number[])[] {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`;
  return typeof value === "string" ? `${head}${value}\r\n` : [head, value, "\r\n"];
}

/** Routes of a room that answer GET (and HEAD), below /lobby/. */
function getRoutes(today: string): string[] {
  return [
    "",
    "comet?p=0&c=1&s=0",
    "ws?p=0",
    "var/status.js",
    "var/status.scm",
    "var/seq",
    "var/stats",
    "var/index.rdf",
    "search?q=hello",
    "a/today",
    "a/yesterday",
    `a/${today}`,
    `a/${today}.json`,
    "b",
    "badge.html",
    "manifest.webmanifest",
  ];
}

/** The room's form endpoints, each with the headers that get it past sign-in and the token, and a good form of its own. */
function formTargets(options: CorpusOptions): { path: string; headers: Record<string, string>; fields: Record<string, string> }[] {
  const admin = { Authorization: `Bearer ${options.adminToken}` };
  const member = { Authorization: `Basic ${base64(options.member)}` };
  return [
    { path: "/lobby/post", headers: {}, fields: { nick: "corpus", text: "should not be stored" } },
    { path: "/lobby/apilogin", headers: {}, fields: { who: "corpus", s: "0" } },
    { path: "/lobby/delete", headers: {}, fields: { permalink: "a/2026/01/01#entry-1-1", secret: "x" } },
    { path: "/strict/post", headers: {}, fields: { nick: "corpus", text: "should not be stored" } },
    { path: "/secret/post", headers: member, fields: { nick: "corpus", text: "should not be stored" } },
    { path: "/lobby/admin/block", headers: admin, fields: { rules: "198.18.0.0/15" } },
    { path: "/lobby/admin/allow", headers: admin, fields: { rules: "198.18.0.0/15" } },
    { path: "/secret/admin/users", headers: admin, fields: { user: "intruder", password: "intruder's password" } },
  ];
}

/** Malformed forms: bad types and charsets, broken encodings, files, and sizes over the cap. */
function badForms(
  fields: Record<string, string>,
): { name: string; headers: Record<string, string>; body: Uint8Array; streamed?: boolean; status: number | "4xx" }[] {
  const good = new URLSearchParams(fields).toString();
  const big = bytes(`${good}&pad=`, "x".repeat(3 * 1024 * 1024));
  const multipartOf = (...parts: (string | (string | number[])[])[]) => bytes(...parts.flat(), `--${BOUNDARY}--\r\n`);
  const firstField = Object.keys(fields)[0]!;
  return [
    { name: "a body with no Content-Type", headers: {}, body: bytes(good), status: 415 },
    { name: "text/plain", headers: { "Content-Type": "text/plain" }, body: bytes(good), status: 415 },
    { name: "application/json", headers: { "Content-Type": "application/json" }, body: bytes(JSON.stringify(fields)), status: 415 },
    { name: "a malformed Content-Type", headers: { "Content-Type": "application/x-www-form-urlencoded;;=;" }, body: bytes(good), status: 400 },
    { name: "a charset other than UTF-8", headers: { "Content-Type": `${URLENCODED}; charset=iso-8859-1` }, body: bytes(good), status: 415 },
    {
      name: "bytes that are not UTF-8",
      headers: { "Content-Type": URLENCODED },
      body: bytes(`${good}&`, firstField, "=", [0xff, 0xfe, 0xc0, 0xaf]),
      status: 400,
    },
    { name: "a malformed percent escape", headers: { "Content-Type": URLENCODED }, body: bytes(`${good}&x=%zz`), status: 400 },
    { name: "an escaped surrogate", headers: { "Content-Type": URLENCODED }, body: bytes(`${firstField}=%ed%a0%80&${good}`), status: 400 },
    { name: "multipart without a boundary", headers: { "Content-Type": "multipart/form-data" }, body: multipartOf(part(firstField, "x")), status: 400 },
    {
      name: "multipart with a file part",
      headers: { "Content-Type": MULTIPART },
      body: multipartOf(...Object.entries(fields).map(([k, v]) => part(k, v)), part("upload", "data", '; filename="a.txt"')),
      status: 400,
    },
    {
      name: "multipart in base64",
      headers: { "Content-Type": MULTIPART },
      body: bytes(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${firstField}"\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--${BOUNDARY}--\r\n`,
      ),
      status: 415,
    },
    {
      name: "multipart cut off before its closing boundary",
      headers: { "Content-Type": MULTIPART },
      body: bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${firstField}"\r\n\r\nno end`),
      status: 400,
    },
    { name: "3 MiB declared", headers: { "Content-Type": URLENCODED }, body: big, status: 413 },
    { name: "3 MiB streamed without a length", headers: { "Content-Type": URLENCODED }, body: big, streamed: true, status: 413 },
    {
      name: "one byte over the cap, streamed",
      headers: { "Content-Type": URLENCODED },
      body: bytes(`${good}&pad=`, "y".repeat(MAX_FORM_BYTES - good.length - 5 + 1)),
      streamed: true,
      status: 413,
    },
  ];
}

/** The corpus: several hundred bad requests, each with what it must get. */
export function badInputCorpus(options: CorpusOptions): BadRequest[] {
  const corpus: BadRequest[] = [];
  const add = (group: string, name: string, method: string, path: string, status: number | "4xx", extra: Partial<BadRequest> = {}) =>
    corpus.push({ group, name, method, path, status, headers: {}, ...extra });
  const admin = { Authorization: `Bearer ${options.adminToken}` };
  const member = { Authorization: `Basic ${base64(options.member)}` };
  const form = (fields: Record<string, string>) => ({ headers: { "Content-Type": URLENCODED }, body: bytes(new URLSearchParams(fields).toString()) });

  // Methods a route does not take.
  for (const route of getRoutes(options.today)) {
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
      add(
        "methods",
        `${method} /lobby/${route}`,
        method,
        `/lobby/${route}`,
        "4xx",
        method === "PUT" || method === "PATCH" ? { ...form({ nick: "m", text: "t" }) } : {},
      );
    }
    if (route.startsWith("comet") || route.startsWith("ws")) continue;
    add("methods", `POST a form to GET-only /lobby/${route}`, "POST", `/lobby/${route}`, "4xx", form({ nick: "m", text: "t" }));
  }
  for (const route of ["post", "delete", "apilogin"]) {
    add("methods", `GET /lobby/${route}`, "GET", `/lobby/${route}`, 405);
    add("methods", `DELETE /lobby/${route}`, "DELETE", `/lobby/${route}`, 405);
  }
  add("methods", "PUT /", "PUT", "/", 405, form({ a: "b" }));
  add("methods", "POST /", "POST", "/", 405, form({ a: "b" }));
  add("methods", "DELETE /robots.txt", "DELETE", "/robots.txt", "4xx");
  add("methods", "PUT on the admin API", "PUT", "/lobby/admin/block", 405, {
    headers: { ...admin, "Content-Type": URLENCODED },
    body: bytes("rules=198.18.0.1"),
  });
  add("methods", "DELETE on the admin API", "DELETE", "/lobby/admin/blocklist", 405, { headers: admin });
  add("methods", "GET on a POST-only admin command", "GET", "/lobby/admin/block", 405, { headers: admin });

  // Every form endpoint, every way a form can be wrong.
  for (const target of formTargets(options)) {
    for (const bad of badForms(target.fields)) {
      add("form encodings", `${bad.name} to ${target.path}`, "POST", target.path, bad.status, {
        headers: { ...target.headers, ...bad.headers },
        body: bad.body,
        streamed: bad.streamed,
      });
    }
  }
  // Forms that read but lack what the endpoint needs.
  for (const [path, fields, status] of [
    ["/lobby/post", { nick: "only a nick" }, 400],
    ["/lobby/post", { text: "only a text" }, 400],
    ["/lobby/post", { nick: "a", text: "b", cid: "12abc" }, 400],
    ["/lobby/post", { nick: "a", text: "b", msgid: "has spaces" }, 400],
    ["/lobby/post", { nick: "a", text: "b", msgid: "m".repeat(65) }, 400],
    ["/lobby/apilogin", { s: "1" }, 401],
    ["/lobby/apilogin", { who: "bot", s: "2" }, 400],
    ["/lobby/delete", { secret: "x" }, 400],
    ["/lobby/delete", { permalink: "not a permalink", secret: "x" }, 400],
    ["/lobby/delete", { permalink: "a/2026/01/01#entry-1-fffff", secret: "x" }, 400],
    ["/lobby/delete", { permalink: "a/2026/01/01#entry-1-1" }, 403],
  ] as const) {
    add("missing fields", `${JSON.stringify(fields)} to ${path}`, "POST", path, status, form(fields));
  }
  for (const [command, fields] of [
    ["block", {}],
    ["block", { rules: "   " }],
    ["allow", {}],
    ["disallow", {}],
    ["users", { user: "x" }],
    ["users", { user: "has space", password: "long enough password" }],
    ["users", { user: "shorty", password: "short" }],
    ["delete", { permalink: "nonsense" }],
    ["search-time", { q: "x", runs: "0" }],
    ["search-time", { q: "x", runs: "abc" }],
    ["search-time", { q: "x", runs: "1001" }],
  ] as const) {
    add("missing fields", `admin ${command} ${JSON.stringify(fields)}`, "POST", `/secret/admin/${command}`, 400, {
      headers: { ...admin, "Content-Type": URLENCODED },
      body: bytes(new URLSearchParams(fields).toString()),
    });
  }

  // Query parameters.
  for (const query of ["p=abc", "p=1.5", "p=-1", "p=", "p=1e3", `p=${"9".repeat(40)}`, "p=0&c=abc", "p=0&c=", "p=0&c=1.5", "p=0&s=2", "p=0&s=x", "p=-5"]) {
    add("parameters", `comet?${query}`, "GET", `/lobby/comet?${query}`, 400);
  }
  for (const query of ["p=abc", "p=-1", "p=1.5"]) add("parameters", `ws?${query}`, "GET", `/lobby/ws?${query}`, 400, { headers: { Upgrade: "websocket" } });
  add("parameters", "ws without an upgrade", "GET", "/lobby/ws?p=0", 426);
  add("parameters", "ws with another upgrade", "GET", "/lobby/ws?p=0", 426, { headers: { Upgrade: "h2c" } });
  for (const q of [
    '"unclosed',
    "x".repeat(MAX_SEARCH_QUERY_CHARS + 1),
    Array.from({ length: 17 }, (_, i) => `w${i}`).join(" "),
    "-only -exclusions",
    "on:2026-13-01",
    "after:yesterday",
    "from:",
    "bad\u0001control",
  ]) {
    add("parameters", `search q=${q.slice(0, 30)}`, "GET", `/lobby/search?q=${encodeURIComponent(q)}`, 400);
  }
  add("parameters", "search with a cursor the room did not make", "GET", "/lobby/search?q=hello&cursor=zzzz", 400);
  add("parameters", "search with a cursor the room did not make, as JSON", "GET", "/lobby/search?q=hello&cursor=!!&format=json", 400);
  for (const day of [
    "2026/13/01",
    "2026/02/30",
    "0000/01/01",
    "99999/01/01",
    "x/y/z",
    "2026/1/1",
    "2026/01/01.xml",
    "2026/01/01.json/x",
    "2026/01",
    "2026",
    `${options.today}/extra`,
  ]) {
    add("parameters", `a/${day}`, "GET", `/lobby/a/${day}`, "4xx");
  }
  for (const day of ["2026-01-01", "2026/13/01", ""]) {
    add("parameters", `export day=${day}`, "GET", `/lobby/admin/export?day=${encodeURIComponent(day)}`, 400, { headers: admin });
  }
  add("parameters", "apilogin with s=2 in the query", "POST", "/lobby/apilogin?s=2", 400, form({ who: "bot" }));

  // Sizes.
  const long = "x".repeat(MAX_URL_CHARS);
  for (const path of [
    `/lobby/comet?p=0&t=${long}`,
    `/lobby/post?t=${long}`,
    `/?t=${long}`,
    `/lobby/a/${long}`,
    `/lobby/admin/audit?t=${long}`,
    `/nosuch/${long}`,
  ]) {
    add(
      "sizes",
      `a URL over ${MAX_URL_CHARS} characters: ${path.slice(0, 20)}`,
      path.includes("post") ? "POST" : "GET",
      path,
      414,
      path.includes("post") ? form({ nick: "a", text: "b" }) : {},
    );
  }

  // Credentials: the admin API's token, a private room's sign-in.
  const adminCommands: [string, string][] = [
    ["GET", "blocklist"],
    ["GET", "allowlist"],
    ["GET", "users"],
    ["GET", "audit"],
    ["GET", "search-stats"],
    ["GET", "export"],
    ["GET", "import"],
    ["POST", "block"],
    ["POST", "unblock"],
    ["POST", "allow"],
    ["POST", "disallow"],
    ["POST", "users"],
    ["POST", "delete"],
    ["POST", "search-fill"],
    ["POST", "search-time"],
    ["POST", "search-merge"],
    ["POST", "import"],
  ];
  for (const [method, command] of adminCommands) {
    const body: Partial<BadRequest> =
      method === "POST" ? form({ rules: "198.18.0.1", user: "x", password: "long enough password", permalink: "a/2026/01/01#entry-1-1", q: "x" }) : {};
    add("credentials", `${method} admin/${command} without a token`, method, `/lobby/admin/${command}`, 401, body);
    add("credentials", `${method} admin/${command} with a wrong token`, method, `/lobby/admin/${command}`, 401, {
      ...body,
      headers: { ...(body.headers ?? {}), Authorization: "Bearer wrong-token" },
    });
  }
  for (const [method, path] of [
    ["GET", "/secret/"],
    ["GET", "/secret/comet?p=0&s=0"],
    ["GET", "/secret/var/seq"],
    ["GET", "/secret/var/status.js"],
    ["GET", "/secret/a/today"],
    ["GET", "/secret/b"],
    ["GET", "/secret/badge.html"],
    ["GET", "/secret/password"],
    ["GET", "/secret/admin/users/more"],
    ["GET", "/secret/search?q=x"],
    ["POST", "/secret/post"],
    ["POST", "/secret/apilogin"],
    ["POST", "/secret/password"],
    ["POST", "/secret/delete"],
  ] as const) {
    add("credentials", `${method} ${path} without signing in`, method, path, 401, method === "POST" ? form({ nick: "a", text: "b", who: "x" }) : {});
  }
  [
    "Basic !!!",
    `Basic ${base64("no colon at all")}`,
    `Digest username="alice"`,
    `Basic ${base64(`${"u".repeat(300)}:password`)}`,
    `Basic ${base64("mallory:guess one")}`,
    `Basic ${base64("mallory:guess two")}`,
  ].forEach((authorization, i) => {
    add("credentials", `sign-in with ${authorization.slice(0, 24)}`, "GET", "/secret/var/seq", 401, {
      headers: { Authorization: authorization },
      ip: `127.0.0.${200 + i}`,
    });
  });

  // The admin API's JSON bodies.
  const json = (value: unknown, type = "application/json") => ({
    headers: { ...admin, "Content-Type": type },
    body: bytes(typeof value === "string" ? value : JSON.stringify(value)),
  });
  const entry = (day: string) => [1, "n", Date.parse(`${day.replaceAll("/", "-")}T12:00:00Z`) / 1000, 0, "t", "192.0.2.1"];
  for (const [name, init, status] of [
    ["not JSON", json("{nope"), 400],
    ["not UTF-8", { headers: { ...admin, "Content-Type": "application/json" }, body: bytes('{"kind":"', [0xff], '"}') }, 400],
    ["a form", json("kind=days", URLENCODED), 415],
    ["an unknown kind", json({ kind: "everything" }), 400],
    ["days that are not a list", json({ kind: "days", days: {} }), 400],
    [
      "a day twice",
      json({
        kind: "days",
        days: [
          { day: "2011/01/01", entries: [entry("2011/01/01")] },
          { day: "2011/01/01", entries: [entry("2011/01/01")] },
        ],
      }),
      400,
    ],
    ["an entry of another day", json({ kind: "days", days: [{ day: "2011/01/02", entries: [entry("2011/01/01")] }] }), 400],
    // 400, or 409 first when the room has posts of its own.
    ["today, which is not over", json({ kind: "days", days: [{ day: options.today, entries: [entry(options.today)] }] }), "4xx"],
    ["a bad user name", json({ kind: "users", users: [{ user: "a b", hash: "$apr1$x$y" }] }), 400],
  ] as const) {
    add("admin JSON", `import: ${name}`, "POST", "/lobby/admin/import", status, init);
  }
  for (const [name, init] of [
    ["not JSON", json("[[")],
    ["no entries", json({ rows: [] })],
    ["a row of three", json({ entries: [["n", 1, 2]] })],
    ["usec of a million", json({ entries: [["n", 1, 1_000_000, "t"]] })],
    ["a negative time", json({ entries: [["n", -1, 0, "t"]] })],
  ] as const) {
    add("admin JSON", `search-fill: ${name}`, "POST", "/lobby/admin/search-fill", 400, init);
  }

  // From another site.
  const evil = { Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" };
  for (const target of formTargets(options)) {
    add("cross-site", `a page on another site posting to ${target.path}`, "POST", target.path, 403, {
      headers: { ...target.headers, ...evil, "Content-Type": URLENCODED },
      body: bytes(new URLSearchParams(target.fields).toString()),
    });
  }
  add("cross-site", "the password page from another site", "POST", "/secret/password", 403, {
    headers: { ...member, ...evil, "Content-Type": URLENCODED },
    body: bytes("current=first+password&next=taken+over+1&confirm=taken+over+1"),
  });
  add("cross-site", "a WebSocket from another site", "GET", "/lobby/ws?p=0", 403, {
    headers: {
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      Connection: "Upgrade",
      Origin: "http://evil.example",
    },
  });
  add("cross-site", "Origin: null", "POST", "/lobby/post", 403, { headers: { Origin: "null", "Content-Type": URLENCODED }, body: bytes("nick=a&text=b") });
  add("cross-site", "Sec-Fetch-Site: same-site without an Origin", "POST", "/lobby/apilogin", 403, {
    headers: { "Sec-Fetch-Site": "same-site", "Content-Type": URLENCODED },
    body: bytes("who=x"),
  });

  // Rooms and paths that do not exist.
  for (const [method, path, extra] of [
    ["GET", "/nosuch/", {}],
    ["POST", "/nosuch/post", form({ nick: "a", text: "b" })],
    ["GET", "/LOBBY/", {}],
    ["GET", "/lobby/nothing", {}],
    ["GET", "/lobby/var/nothing", {}],
    ["POST", "/lobby/post/extra", form({ nick: "a", text: "b" })],
    ["GET", "/lobby/admin", { headers: admin }],
    ["POST", "/lobby/admin/nosuch", { headers: { ...admin, "Content-Type": URLENCODED }, body: bytes("a=b") }],
    ["GET", "/lobby/admin/nosuch/deeper", { headers: admin }],
    ["GET", "/lobby/%2e%2e/%2e%2e/etc/passwd", {}],
    ["GET", "/%00/", {}],
    ["GET", "/lobby%2fpost", {}],
  ] as const) {
    add("unknown", `${method} ${path}`, method, path, 404, extra);
  }
  return corpus;
}

/** What a room holds, read through its admin API: a bad request must leave all of it as it was. */
export interface RoomState {
  room: string;
  export: unknown;
  allowlist: unknown;
  users: unknown;
  audit: unknown;
}

/** The state of lobby, strict and secret, through `fetcher` (a request to the site, path relative to it). */
export async function roomStates(fetcher: (path: string, init?: RequestInit) => Promise<Response>, adminToken: string): Promise<RoomState[]> {
  const headers = { Authorization: `Bearer ${adminToken}` };
  const read = async (path: string) => {
    const res = await fetcher(path, { headers });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return res.json();
  };
  const states: RoomState[] = [];
  for (const room of ["lobby", "strict", "secret"]) {
    const exported = (await read(`/${room}/admin/export`)) as { now?: unknown };
    delete exported.now;
    states.push({
      room,
      export: exported,
      allowlist: await read(`/${room}/admin/allowlist`),
      users: await read(`/${room}/admin/users`),
      audit: await read(`/${room}/admin/audit`),
    });
  }
  return states;
}
