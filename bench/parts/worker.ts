// The post path, part by part: a Durable Object built from the room's own
// modules (src/) times each step a post takes on its way in, with the real
// SQLite of wrangler dev, for the benchmark's "parts" scenario (bench/run.mjs).
// Not part of the project: it only imports it.
import { DurableObject } from "cloudflare:workers";
import { Clock } from "../../src/clock";
import { readForm } from "../../src/http/form";
import { jsonResponse } from "../../src/http/responses";
import { cleanPost, type Entry } from "../../src/protocol/entry";
import { Fanout } from "../../src/room/live/fanout";
import { encodeContent, NewsEncoder } from "../../src/room/live/news";
import { Admission } from "../../src/room/posting/admission";
import { AuthorSecrets } from "../../src/room/posting/author-secrets";
import { WritePath } from "../../src/room/posting/write-path";
import { RoomSearch } from "../../src/room/search/room-search";
import { ArchiveIndex } from "../../src/room/storage/archive-days";
import { AllowlistStore } from "../../src/room/storage/allowlist";
import { AuditLog } from "../../src/room/storage/audit-log";
import { BlocklistStore } from "../../src/room/storage/blocklist";
import { CurrentLog } from "../../src/room/storage/current-log";
import { PostIds } from "../../src/room/storage/post-ids";
import { RoomMeta } from "../../src/room/storage/room-meta";
import { migrate } from "../../src/room/storage/schema";

interface Env {
  PARTS: DurableObjectNamespace<PostParts>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // Anything but /parts... is the runner's check that the server is up.
    if (!new URL(request.url).pathname.startsWith("/parts")) return new Response("up\n");
    return env.PARTS.getByName("parts").fetch(request);
  },
};

/** A sample lasts at least this long: the clock in a Durable Object under wrangler dev moves in whole milliseconds. */
const SAMPLE_MS = 20;
const RENDER = { roomUrl: "/lobby/", imageMaxPx: 400 };
const NICK = "bench";
const TEXT = "bench tag 12 3456.789 the quick brown fox jumps over the lazy dog, and then asks what is for lunch";
const BODY = `nick=${NICK}&text=${encodeURIComponent(TEXT)}`;
const BODY_BYTES = new TextEncoder().encode(BODY).byteLength;
const IP = "127.0.0.1";
const DURABLE_RUNS = 50;

interface Timing {
  part: string;
  /** Mean µs per run, one figure per sample. */
  us: number[];
  runs: number;
}

/** `samples` figures: each the mean µs of as many runs of `f` as fill SAMPLE_MS. */
async function time(part: string, f: () => unknown, samples: number): Promise<Timing> {
  let runs = 0;
  const start = performance.now();
  do {
    await f();
    runs++;
  } while (performance.now() - start < SAMPLE_MS && runs < 100_000);
  const us: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    for (let r = 0; r < runs; r++) await f();
    us.push(((performance.now() - t) * 1000) / runs);
  }
  return { part, us, runs };
}

export class PostParts extends DurableObject<Env> {
  private readonly clock = new Clock();
  private readonly log: CurrentLog;
  private readonly search: RoomSearch;
  private readonly postIds: PostIds;
  private readonly admission: Admission;
  private readonly secrets: AuthorSecrets;
  private readonly news: NewsEncoder;
  private readonly writePath: WritePath;
  private msgids = 0;
  private usec = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage);
    const sql = ctx.storage.sql;
    this.log = new CurrentLog(ctx.storage);
    this.search = new RoomSearch(ctx.storage, new ArchiveIndex(sql), this.log, this.clock, () => {});
    this.postIds = new PostIds(sql);
    const unlimited = { clientBurst: 1e9, clientPerMinute: 1e9, addressPerMinute: 1e9, newClientsPerMinute: 1e9 };
    this.admission = new Admission("parts", new BlocklistStore(sql), new AllowlistStore(sql), unlimited, new AuditLog(sql), this.clock);
    this.secrets = new AuthorSecrets(new RoomMeta(sql));
    this.news = new NewsEncoder(this.log, RENDER);
    this.writePath = new WritePath(ctx.storage, this.log, this.postIds, this.admission, new Fanout([], this.news, () => 0), this.secrets, this.clock);
  }

  /** An entry search has not seen: a fresh timestamp each time. */
  private fresh(): Entry {
    this.usec = (this.usec + 1) % 1_000_000;
    return { seq: 0, nick: NICK, sec: 2_000_000_000 + Math.floor(Math.random() * 1e6), usec: this.usec, text: TEXT, ip: IP };
  }

  /** A post's store; `withIndex`: with its search index write in the same transaction (the room batches those). */
  private store(withIndex: boolean, withMsgid: boolean): Entry {
    const clean = cleanPost(NICK, TEXT)!;
    const now = this.clock.now();
    return this.ctx.storage.transactionSync(() => {
      const stored = this.log.append(clean, IP, now);
      if (withMsgid) this.postIds.record(clean.nick, `m${++this.msgids}`, stored.seq, now, now - 600_000);
      if (withIndex) this.search.index.indexStored([stored]);
      return stored;
    });
  }

  /**
   * A post's store, then `storage.sync()`, which resolves once the write is
   * durable, as the output gate waits for before a post's acknowledgement
   * leaves: timed over DURABLE_RUNS in a row, the clock being coarse.
   */
  private async durable(samples: number): Promise<Timing> {
    const us: number[] = [];
    for (let s = 0; s < samples; s++) {
      const t = performance.now();
      for (let r = 0; r < DURABLE_RUNS; r++) {
        this.store(false, false);
        await this.ctx.storage.sync();
      }
      us.push(((performance.now() - t) * 1000) / DURABLE_RUNS);
    }
    return { part: "durable: a post's store, then storage.sync()", us, runs: DURABLE_RUNS };
  }

  /**
   * One step per request, for the runner to count the process's CPU over many
   * such requests: what a post's store costs with its commit, which a loop in
   * one request (below) pays once for all its runs.
   */
  private once(op: string): Response {
    const clean = cleanPost(NICK, TEXT)!;
    switch (op) {
      case "nothing":
        break;
      case "store":
        this.store(false, false);
        break;
      case "store-search":
        this.store(true, false);
        break;
      case "submit":
        this.writePath.submit({ nick: clean.nick, text: clean.text, ip: IP, msgid: null, client: null });
        break;
      case "submit-batched":
        this.writePath.submit({ nick: clean.nick, text: clean.text, ip: IP, msgid: null, client: null });
        // As the room's publish path does: the posts' index is written once SEARCH_INDEX_BATCH wait.
        this.search.pending.entries();
        break;
      case "submit-msgid":
        this.writePath.submit({ nick: clean.nick, text: clean.text, ip: IP, msgid: `m${++this.msgids}`, client: null });
        break;
      default:
        return new Response("no such step\n", { status: 404 });
    }
    return new Response("done\n");
  }

  override async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/parts/once/")) return this.once(path.slice("/parts/once/".length));
    const samples = Math.min(50, Math.max(1, Number(new URL(request.url).searchParams.get("samples") ?? "10") || 10));
    const url = request.url;
    const form = () =>
      new Request(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(BODY_BYTES) }, body: BODY });
    const clean = cleanPost(NICK, TEXT)!;
    this.store(true, false);
    const entry = this.log.at(this.log.end)!;
    const previous = this.log.at(this.log.end - 1);
    const grant = this.secrets.grant(entry);
    const timings: Timing[] = [];
    const add = async (part: string, f: () => unknown) => timings.push(await time(part, f, samples));

    await add("read the form (readForm)", () => readForm(form()));
    await add("the floor's form (formData)", () => form().formData());
    await add("clean the nick and text", () => cleanPost(NICK, TEXT));
    await add("admission (blocklist, limits)", () => this.admission.admit({ ip: IP, client: null, nick: NICK }));
    await add("msgid: look up", () => this.postIds.find(NICK, `m${this.msgids}`, this.clock.now() - 600_000));
    await add("store: entry and room state", () => this.store(false, false));
    await add("store: entry, state and msgid", () => this.store(false, true));
    await add("store: search index alone", () => this.ctx.storage.transactionSync(() => this.search.index.indexStored([this.fresh()])));
    await add("store: entry, state and its own search index", () => this.store(true, false));
    timings.push(await this.durable(samples));
    await add("delete grant (HMAC)", () => this.secrets.grant(entry));
    await add("encode: entries (JSON)", () => encodeContent("json", [entry], null, RENDER));
    await add("encode: HTML", () => encodeContent("html", [entry], previous, RENDER));
    await add("news: rows read and both encoded", () => {
      this.news.invalidate();
      this.news.encodeSince(this.log.end - 1, "json");
      return this.news.encodeSince(this.log.end - 1, "html");
    });
    await add("acknowledge (JSON response)", () => jsonResponse({ stored: true, pos: entry.seq, ...grant }));
    await add("the floor's acknowledgement (Response.json)", () => Response.json({ stored: true, pos: entry.seq }));
    await add("submit: the whole write path, no listener", () =>
      this.writePath.submit({ nick: clean.nick, text: clean.text, ip: IP, msgid: null, client: null }),
    );
    return Response.json({ samples, entries: this.log.end, timings });
  }
}
