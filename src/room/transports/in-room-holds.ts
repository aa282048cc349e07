import { logEvent } from "../../log";
import type { Pace } from "../live/pace";
import { cometResponse } from "./comet-response";
import { canHoldOnSocket, holdOnSocket } from "./held-sockets";
import type { LongPoll, Waiter } from "./longpoll";

type Held = Pick<Waiter, "cid" | "pos" | "format">;

interface InRoomHold {
  request: Request;
  held: Held;
  /** When its hold time passes, by the runtime's clock. */
  endsAt: number;
  timer: ReturnType<typeof setTimeout>;
  answer(response: Response): void;
}

export interface InRoomHoldsRoom {
  ctx: DurableObjectState;
  name: string;
  longpoll: Pick<LongPoll, "expire" | "move">;
  pace: Pick<Pace, "msToQuiet">;
}

/**
 * Comet requests held inside the room while it talks (live/pace.ts), each
 * answered by news, or with a ping when its hold time passes (a timer of the
 * room's). Once the room is quiet, those still held move onto sockets to the
 * Worker with what is left of their hold time (held-sockets.ts): the client
 * sees nothing of it, and the room may sleep. From its first such hold until
 * it is quiet the room cannot hibernate; it logs that time as `room-quiet`.
 */
export class InRoomHolds {
  private readonly holds = new Map<string, InRoomHold>();
  private made = 0;
  private quietTimer: ReturnType<typeof setTimeout> | null = null;
  private awakeSince = 0;

  constructor(private readonly room: InRoomHoldsRoom) {}

  hold(request: Request, held: Held, holdMs: number): { response: Promise<Response>; waiter: Waiter } {
    const id = `in-room ${++this.made}`;
    let answer!: (response: Response) => void;
    const response = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    const timer = setTimeout(() => this.room.longpoll.expire(held.cid, id), holdMs);
    this.holds.set(id, { request, held, endsAt: Date.now() + holdMs, timer, answer });
    this.untilQuiet();
    const waiter: Waiter = {
      ...held,
      id,
      answer: (header, content) => {
        clearTimeout(timer);
        this.holds.delete(id);
        answer(cometResponse(header, content));
      },
    };
    return { response, waiter };
  }

  private untilQuiet(): void {
    if (this.quietTimer !== null) return;
    this.awakeSince = Date.now();
    this.quietTimer = setTimeout(() => this.quietOrLater(), this.room.pace.msToQuiet());
  }

  private quietOrLater(): void {
    const ms = this.room.pace.msToQuiet();
    if (ms > 0) {
      this.quietTimer = setTimeout(() => this.quietOrLater(), ms);
      return;
    }
    this.quietTimer = null;
    let moved = 0;
    for (const [id, hold] of this.holds) {
      if (this.moveToSocket(id, hold)) moved++;
    }
    logEvent({ event: "room-quiet", room: this.room.name, moved, awakeMs: Date.now() - this.awakeSince });
  }

  /** Answers the request with a socket that holds it for the rest of its hold time; false for one that cannot take a socket. */
  private moveToSocket(id: string, hold: InRoomHold): boolean {
    const leftMs = hold.endsAt - Date.now();
    if (leftMs <= 0 || !canHoldOnSocket(hold.request)) return false;
    clearTimeout(hold.timer);
    this.holds.delete(id);
    const { response, waiter } = holdOnSocket(this.room.ctx, hold.request, hold.held, leftMs);
    this.room.longpoll.move(hold.held.cid, id, waiter);
    hold.answer(response);
    return true;
  }
}
