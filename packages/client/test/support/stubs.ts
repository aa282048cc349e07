/** Transports and a server that tests drive by hand: what each link was opened with and sent, and what it hears. */
import { ChatonClient, type ClientParts } from "../../src/client.js";
import type { ChatonEvent } from "../../src/events.js";
import type { Session } from "../../src/session.js";
import type { Link, LinkEnd, LinkSink, Transport, TransportName } from "../../src/transports/link.js";
import type { ClientFrame, WireEntry } from "../../src/wire.js";

export class StubLink implements Link {
  readonly sent: ClientFrame[] = [];
  readonly ended: Promise<LinkEnd>;
  private finish!: (end: LinkEnd) => void;
  private greeted = false;
  private open = true;

  constructor(
    readonly pos: number,
    readonly sink: LinkSink,
    private readonly carriesPosts: boolean,
  ) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  greet(): void {
    this.greeted = true;
    this.sink.greeted();
  }

  /** The connection drops. */
  drop(reason = "dropped"): void {
    if (!this.open) return;
    this.open = false;
    this.finish({ greeted: this.greeted, reason });
  }

  send(frame: ClientFrame): boolean {
    if (!this.carriesPosts || !this.open || !this.greeted) return false;
    this.sent.push(frame);
    return true;
  }

  close(): void {
    this.drop("closed by the client");
  }
}

export class StubTransport implements Transport {
  readonly links: StubLink[] = [];
  private waiters: ((link: StubLink) => void)[] = [];

  constructor(
    readonly name: TransportName,
    readonly carriesPosts = name === "ws",
  ) {}

  open(pos: number, sink: LinkSink): Link {
    const link = new StubLink(pos, sink, this.carriesPosts);
    this.links.push(link);
    for (const wake of this.waiters.splice(0)) wake(link);
    return link;
  }

  /** The link number `n` (0-based), waiting for it to be opened. */
  async link(n: number, ms = 2_000): Promise<StubLink> {
    const deadline = Date.now() + ms;
    while (this.links.length <= n) {
      if (Date.now() > deadline) throw new Error(`link ${n} was never opened (${this.links.length} were)`);
      await new Promise<StubLink>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.links[n]!;
  }
}

export const ROOM_URL = "http://chat.test/lobby/";

export function session(overrides: Partial<Session> = {}): Session {
  return {
    roomUrl: ROOM_URL,
    roomName: "Chaton Lobby",
    postUri: `${ROOM_URL}post`,
    cometUri: `${ROOM_URL}comet`,
    iconUri: "http://chat.test/chaton.svg",
    cid: 42,
    pos: 0,
    ...overrides,
  };
}

/** Back-off without jitter, 1 ms doubling to 8 ms: fast, and exact to compare. */
export const FAST_BACKOFF = { minMs: 1, maxMs: 8, random: () => 0.5 };

export function client(parts: Partial<ClientParts> & Pick<ClientParts, "comet">): ChatonClient {
  return new ChatonClient({
    session: session(),
    mode: parts.socket ? "auto" : "comet",
    format: "json",
    socket: null,
    relogin: async () => session(),
    start: { pos: 0 },
    backoff: FAST_BACKOFF,
    ...parts,
  });
}

/** Reads events one by one from a client, failing when one does not come in time. */
export function reader(events: AsyncIterator<ChatonEvent>) {
  return {
    async next(ms = 2_000): Promise<ChatonEvent> {
      const result = await Promise.race([
        events.next(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms)),
      ]);
      if (result.done) throw new Error("the events ended");
      return result.value;
    },
    /** The next `count` events of the given types, skipping the others (connection and presence by default). */
    async take(count: number, types: ChatonEvent["type"][] = ["entry", "reset", "deleted"]): Promise<ChatonEvent[]> {
      const taken: ChatonEvent[] = [];
      while (taken.length < count) {
        const event = await this.next();
        if (types.includes(event.type)) taken.push(event);
      }
      return taken;
    },
  };
}

export function entry(text: string, sec: number, usec = 0, nick = "alice"): WireEntry {
  return [nick, [sec, usec], text];
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
