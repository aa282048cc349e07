import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryAnchor } from "../../src/protocol/entry";
import { observeJson } from "../support/chaton-client";
import { runAdmin } from "../support/admin-cli";
import { startDev, type DevServer } from "../support/wrangler-dev";

const TOKEN = "cli-test-admin-token";
const ROOMS = [
  { name: "lobby", title: "Chaton Lobby", description: "", icon: "/chaton.svg" },
  { name: "members", title: "Members", description: "", icon: "/chaton.svg", private: true },
];

let dev: DevServer;

beforeAll(async () => {
  dev = await startDev({ vars: { ADMIN_TOKEN: TOKEN, ROOMS: JSON.stringify(ROOMS), STATUS_CACHE_SECONDS: "0" } });
});

afterAll(async () => {
  await dev?.stop();
});

const admin = (args: string[], env: Record<string, string> = {}) => runAdmin(dev.url, TOKEN, args, env);

const seq = async () => Number(await (await fetch(`${dev.url}/lobby/var/seq`)).text());
const post = (text: string) => fetch(`${dev.url}/lobby/post`, { method: "POST", body: new URLSearchParams({ nick: "cli", text }) });

describe("npm run admin", () => {
  it("should block, list and unblock an address, and a blocked post is not stored", async () => {
    const blocked = await admin(["--room", "lobby", "block", "127.0.0.1", "the", "test", "itself"]);
    expect(blocked.code).toBe(0);
    expect(JSON.parse(blocked.stdout).added).toEqual(["127.0.0.1 # the test itself"]);
    expect((await admin(["--room", "lobby", "list"])).stdout).toBe("127.0.0.1 # the test itself\n");

    const before = await seq();
    expect((await post("while blocked")).status).toBe(200);
    expect(await seq()).toBe(before);

    expect((await admin(["--room", "lobby", "unblock", "127.0.0.1"])).code).toBe(0);
    expect((await admin(["--room", "lobby", "list"])).stdout).toBe("(the blocklist is empty)\n");
    expect((await post("after unblock")).status).toBe(200);
    expect(await seq()).toBe(before + 1);
  });

  it("should report broken rules and exit non-zero", async () => {
    const result = await admin(["--room", "lobby", "block", "300.1.2.3"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 1: .*300/);
  });

  it("should add a user to a private room, who can then sign in", async () => {
    const added = await admin(["--room", "members", "adduser", "carol"], { CHATON_PASSWORD: "carol's password" });
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout).users).toEqual(["carol"]);
    const auth = `Basic ${Buffer.from("carol:carol's password").toString("base64")}`;
    expect((await fetch(`${dev.url}/members/var/seq`, { headers: { Authorization: auth } })).status).toBe(200);
    expect((await fetch(`${dev.url}/members/var/seq`)).status).toBe(401);
  });

  it("should delete an entry by its permalink and show it in the audit log", async () => {
    await post("to be deleted");
    const pos = await seq();
    const ping = await observeJson(`${dev.url}/lobby/comet`, null, 0);
    const reply = await observeJson(`${dev.url}/lobby/comet`, ping.cid, pos - 1);
    expect(reply.content.map((e) => e.text)).toEqual(["to be deleted"]);
    const anchor = entryAnchor(reply.content[0]!);
    const deleted = await admin(["--room", "lobby", "delete", `a/2026/01/01#${anchor}`]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout).deleted).toMatchObject({ anchor, fromLog: true });
    expect(await (await fetch(`${dev.url}/lobby/`)).text()).not.toContain("to be deleted");
    const audit = await admin(["--room", "lobby", "audit"]);
    expect(audit.stdout).toContain(`admin delete-entry a/`);
    expect(audit.stdout).toContain(anchor);
  });

  it("should refuse a wrong token", async () => {
    const result = await admin(["--room", "lobby", "list"], { CHATON_ADMIN_TOKEN: "wrong" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^401: Wrong admin token/);
    expect(result.stderr).not.toContain(TOKEN);
  });
});
