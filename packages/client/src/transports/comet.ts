/**
 * The comet transport, which every Chaton server has, the original Gauche one
 * included: `GET <comet-uri>?t=&c=<cid>&p=<pos>&s=0|1`, held until there is
 * news or a ping, asked again at once after each reply (docs/protocol.md section 2 in the
 * chaton-workers repository).
 * A link is one run of that loop; it ends at the first failed request.
 */
import { ConnectionError } from "../errors.js";
import { reasonOf, send, type Fetch } from "../http.js";
import { readCometReply, type ReplyFormat } from "../replies.js";
import type { Session } from "../session.js";
import type { Link, LinkEnd, LinkSink, Transport } from "./link.js";

export interface CometTransportOptions {
  format: ReplyFormat;
  fetch?: Fetch;
  /** Gives up on a held request after this long (default 6.5 minutes: the original holds up to 6). */
  requestTimeoutMs?: number;
  /** Logs in again: a fresh client id for a new link, or after the session expired (cid -1). */
  relogin(signal: AbortSignal): Promise<Session>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 390_000;

export function cometUrl(cometUri: string, cid: number, pos: number, format: ReplyFormat): string {
  const url = new URL(cometUri);
  url.searchParams.set("t", String(Math.floor(Date.now() / 1000)));
  url.searchParams.set("c", String(cid));
  url.searchParams.set("p", String(pos));
  url.searchParams.set("s", format === "sexpr" ? "1" : "0");
  return url.href;
}

export class CometTransport implements Transport {
  readonly name = "comet";
  readonly carriesPosts = false;
  /** The first link uses the session connect() just made; later ones log in again, which also tells when the room is back. */
  private fresh = true;

  /** `session` is updated in place by each login, so that whoever shares it (the poster's cid) sees the fresh one. */
  constructor(
    private readonly session: Session,
    private readonly options: CometTransportOptions,
  ) {}

  private async login(signal: AbortSignal): Promise<void> {
    Object.assign(this.session, await this.options.relogin(signal));
  }

  open(pos: number, sink: LinkSink): Link {
    const controller = new AbortController();
    const ended = this.run(pos, sink, controller.signal);
    return { send: () => false, close: () => controller.abort(), ended };
  }

  private async run(pos: number, sink: LinkSink, signal: AbortSignal): Promise<LinkEnd> {
    let greeted = false;
    let position = pos;
    let expired = false;
    try {
      if (!this.fresh) await this.login(signal);
      this.fresh = false;
      greeted = true;
      sink.greeted();
      for (;;) {
        const reply = await this.poll(position, signal);
        if (reply.cid === -1) {
          // Strict login: the room no longer knows this client. Log in again, once per link.
          if (expired) return { greeted, reason: "the session expired again at once" };
          expired = true;
          await this.login(signal);
          continue;
        }
        expired = false;
        this.session.cid = reply.cid;
        const reset = reply.pos < position;
        if (reply.content.length > 0 || reply.pos !== position) {
          sink.batch({ from: position, end: reply.pos, reset, entries: reply.content, nc: reply.nc });
        } else {
          sink.presence(reply.nc);
        }
        position = reply.pos;
      }
    } catch (error) {
      if (signal.aborted) return { greeted, reason: "closed by the client" };
      return { greeted, reason: (error as Error).message };
    }
  }

  private async poll(pos: number, signal: AbortSignal) {
    const { format } = this.options;
    const url = cometUrl(this.session.cometUri, this.session.cid, pos, format);
    const res = await send(
      url,
      { headers: { Accept: format === "sexpr" ? "application/x-sexpr" : "application/json" } },
      this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      {
        fetch: this.options.fetch,
        signal,
      },
    );
    if (res.status !== 200) throw new ConnectionError(`comet: ${await reasonOf(res)}`, res.status);
    return readCometReply(await res.text(), format);
  }
}
