import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HOOK_BURST, MAX_HOOK_BODY_BYTES } from "../../src/protocol/limits";
import type { HookInfo, NewHook } from "../../src/protocol/webhooks";
import type { Room } from "../../src/room/room";
import { send } from "../support/rooms";

const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const stubOf = (name: string) => env.ROOM.getByName(name);

async function freshRoom(settings: Record<string, unknown> = {}): Promise<string> {
  const name = `hooked${crypto.randomUUID().slice(0, 8)}`;
  const res = await send("/_admin/rooms", {
    method: "POST",
    headers: { ...ADMIN, "Content-Type": "application/json" },
    body: JSON.stringify({ name, ...settings }),
  });
  expect(res.status).toBe(201);
  return name;
}

async function addHook(room: string, name: string): Promise<NewHook> {
  const res = await send(`/${room}/admin/hooks`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ name }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { hook: NewHook }).hook;
}

const entries = (room: string) => runInDurableObject(stubOf(room), (r: Room) => r.log.all().map(({ seq, nick, text, ip }) => ({ seq, nick, text, ip })));

/** POSTs to a hook URL as curl would: the URL's path, a body, its type. */
function postTo(url: string, body: BodyInit, type: string | null, headers: Record<string, string> = {}) {
  const path = new URL(url).pathname;
  return send(path, { method: "POST", body, headers: { ...(type === null ? {} : { "Content-Type": type }), "CF-Connecting-IP": "198.51.100.4", ...headers } });
}

describe("incoming webhooks", () => {
  it("should post Slack's JSON under the given username, or the hook's name without one", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "ci bot");
    expect(hook).toMatchObject({ direction: "in", name: "ci bot", secret: null });
    expect(hook.url).toMatch(new RegExp(`^http://chat\\.test/${room}/hooks/[0-9a-f]{16}/[A-Za-z0-9_-]{43}$`));

    const named = await postTo(hook.url, JSON.stringify({ text: "build *42* passed", username: "builder", icon_emoji: ":ok:" }), "application/json");
    expect(named.status).toBe(200);
    expect(await named.text()).toBe("ok");
    expect((await postTo(hook.url, JSON.stringify({ text: "no name given" }), "application/json; charset=utf-8")).status).toBe(200);
    expect(await entries(room)).toEqual([
      { seq: 1, nick: "builder", text: "build *42* passed", ip: "198.51.100.4" },
      { seq: 2, nick: "ci bot", text: "no name given", ip: "198.51.100.4" },
    ]);
  });

  it("should post a form of nick and text, and Slack's form with a payload field", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "former");
    expect((await postTo(hook.url, new URLSearchParams({ nick: "formed", text: "from a form" }), "application/x-www-form-urlencoded")).status).toBe(200);
    const multipart = new FormData();
    multipart.set("text", "multipart, no nick");
    expect((await postTo(hook.url, multipart, null)).status).toBe(200);
    expect(
      (
        await postTo(
          hook.url,
          new URLSearchParams({ payload: JSON.stringify({ text: "slack form", username: "slacker" }) }),
          "application/x-www-form-urlencoded",
        )
      ).status,
    ).toBe(200);
    expect((await entries(room)).map(({ nick, text }) => [nick, text])).toEqual([
      ["formed", "from a form"],
      ["former", "multipart, no nick"],
      ["slacker", "slack form"],
    ]);
  });

  it("should answer JSON with the position and permalink when asked", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "jsonish");
    const res = await postTo(hook.url, JSON.stringify({ text: "answer me" }), "application/json", { Accept: "application/json" });
    const reply = (await res.json()) as { stored: boolean; pos: number; permalink: string };
    expect(reply).toMatchObject({ stored: true, pos: 1 });
    expect(reply.permalink).toMatch(/^a\/\d{4}\/\d{2}\/\d{2}#entry-[0-9a-f]+-[0-9a-f]+$/);
  });

  it("should answer 404 to a wrong secret or an unknown hook, and store nothing", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "guarded");
    const url = new URL(hook.url);
    const [, , , id, secret] = url.pathname.split("/");
    const wrong = `${url.origin}/${room}/hooks/${id}/${secret!.slice(0, -1)}${secret!.endsWith("A") ? "B" : "A"}`;
    const body = JSON.stringify({ text: "sneaky" });
    expect((await postTo(wrong, body, "application/json")).status).toBe(404);
    expect((await postTo(`${url.origin}/${room}/hooks/0123456789abcdef/${secret}`, body, "application/json")).status).toBe(404);
    // Another room's hook URL is no hook here.
    const other = await freshRoom();
    expect((await postTo(`${url.origin}/${other}/hooks/${id}/${secret}`, body, "application/json")).status).toBe(404);
    expect((await send(new URL(hook.url).pathname)).status).toBe(405);
    expect(await entries(room)).toEqual([]);
  });

  it("should refuse a body that is neither JSON nor a form (415), too large (413), or without text (400)", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "strict");
    expect((await postTo(hook.url, "text please", "text/plain")).status).toBe(415);
    expect((await postTo(hook.url, "{}", null)).status).toBe(415);
    expect((await postTo(hook.url, JSON.stringify({ text: "x".repeat(MAX_HOOK_BODY_BYTES) }), "application/json")).status).toBe(413);
    const missing = await postTo(hook.url, JSON.stringify({ username: "nobody" }), "application/json");
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe("Field text is required\n");
    expect((await postTo(hook.url, "{not json", "application/json")).status).toBe(400);
    expect((await postTo(hook.url, JSON.stringify({ text: 5 }), "application/json")).status).toBe(400);
    expect((await postTo(hook.url, JSON.stringify({ text: "hi" }), "application/json; charset=latin1")).status).toBe(415);
    expect(await entries(room)).toEqual([]);
  });

  it("should hold each hook to its own rate, with Retry-After, apart from the other hooks", async () => {
    const room = await freshRoom();
    const fast = await addHook(room, "fast");
    const other = await addHook(room, "other");
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i <= HOOK_BURST; i++) {
      const res = await postTo(fast.url, JSON.stringify({ text: `burst ${i}` }), "application/json");
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("Retry-After");
    }
    expect(statuses).toEqual([...Array(HOOK_BURST).fill(200), 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await postTo(other.url, JSON.stringify({ text: "my own bucket" }), "application/json")).status).toBe(200);
    expect(await entries(room)).toHaveLength(HOOK_BURST + 1);
  });

  it("should post into a private room without a password: the URL is the credential", async () => {
    const room = await freshRoom({ private: true });
    const hook = await addHook(room, "insider");
    expect((await postTo(hook.url, JSON.stringify({ text: "let in" }), "application/json")).status).toBe(200);
    expect((await entries(room)).map((e) => e.text)).toEqual(["let in"]);
  });

  it("should keep only a hash of the secret, list hooks without it, and stop a removed hook", async () => {
    const room = await freshRoom();
    const hook = await addHook(room, "listed");
    const secret = new URL(hook.url).pathname.split("/").at(-1)!;
    const stored = await runInDurableObject(stubOf(room), (_r: Room, state) => JSON.stringify(state.storage.sql.exec("SELECT * FROM hooks").toArray()));
    expect(stored).not.toContain(secret);
    const listed = await send(`/${room}/admin/hooks`, { headers: ADMIN });
    const text = await listed.text();
    expect(text).not.toContain(secret);
    expect((JSON.parse(text) as { hooks: HookInfo[] }).hooks).toEqual([expect.objectContaining({ id: hook.id, name: "listed", direction: "in", to: null })]);

    const removed = await send(`/${room}/admin/hook-remove`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ id: hook.id }) });
    expect(removed.status).toBe(200);
    expect((await postTo(hook.url, JSON.stringify({ text: "too late" }), "application/json")).status).toBe(404);
    expect((await send(`/${room}/admin/hook-remove`, { method: "POST", headers: ADMIN, body: new URLSearchParams({ id: hook.id }) })).status).toBe(404);
    const audit = (await (await send(`/${room}/admin/audit`, { headers: ADMIN })).json()) as { audit: { action: string; target: string }[] };
    expect(audit.audit.map((a) => [a.action, a.target])).toEqual([
      ["hook-remove", hook.id],
      ["hook-add", hook.id],
    ]);
  });

  it("should refuse a hook name that is no nick, and a receiver URL that is not http(s)", async () => {
    const room = await freshRoom();
    const add = (fields: Record<string, string>) => send(`/${room}/admin/hooks`, { method: "POST", headers: ADMIN, body: new URLSearchParams(fields) });
    expect((await add({ name: "x".repeat(65) })).status).toBe(400);
    expect((await add({ name: "bell\u0007" })).status).toBe(400);
    expect((await add({ name: "out", to: "ftp://example.com/" })).status).toBe(400);
    expect((await add({ name: "out", to: "not a url" })).status).toBe(400);
    expect((await add({ name: "out", to: "https://user:pw@example.com/" })).status).toBe(400);
  });
});
