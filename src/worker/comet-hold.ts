import { CLIENT_ADDRESS_HEADER } from "../http/client-address";
import { HttpError } from "../http/errors";
import { dataResponse } from "../http/responses";
import { HOLD_EXPIRED, HOLD_MS_HEADER, REPLY_TYPE_HEADER } from "../protocol/comet-hold";
import { throughRoom, type RelayByName } from "./relay-route";

/** What answers a held request whose room went away (restarted, or closed) before it replied, wherever it was held. */
const roomWentAway = () => new HttpError(503, "The room restarted; ask again", { "Retry-After": "1" });

/**
 * Forwards a comet request to its room (or the relay the room hands it to) and, when it is held, waits
 * for the reply outside the room (src/protocol/comet-hold.ts): the room's
 * socket brings the reply, or the hold time passes and the Worker asks for
 * the ping. Anything but a held request comes back as the room answered it.
 */
export async function cometThroughRoom(
  room: { fetch(request: Request): Promise<Response> },
  relays: RelayByName,
  request: Request,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Response> {
  let answer: Response;
  try {
    answer = await throughRoom(room, relays, askToHold(request));
  } catch {
    // A request the room held inside itself, lost with the object (reset, evicted, updated), or a relay that could not be reached.
    throw roomWentAway();
  }
  const socket = answer.webSocket;
  if (answer.status !== 101 || socket === null) return answer;
  return heldReply(socket, Number(answer.headers.get(HOLD_MS_HEADER)), answer.headers.get(REPLY_TYPE_HEADER) ?? "application/json", waitUntil);
}

/**
 * The comet request as the room reads it (its URL and the client's address),
 * with the upgrade that lets the room answer with a socket: made afresh, not
 * copied with every header the client sent, since every waiting client asks
 * again after each reply.
 */
function askToHold(request: Request): Request {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  const address = request.headers.get(CLIENT_ADDRESS_HEADER);
  if (address !== null) headers[CLIENT_ADDRESS_HEADER] = address;
  return new Request(request.url, { headers });
}

function heldReply(socket: WebSocket, holdMs: number, contentType: string, waitUntil: (promise: Promise<unknown>) => void): Promise<Response> {
  socket.accept();
  // The socket outlives the reply (below): the request's work ends when it closes.
  waitUntil(new Promise((closed) => socket.addEventListener("close", closed)));
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    let expired = false;
    const close = () => {
      try {
        socket.close(1000, "answered");
      } catch {
        // Closed already.
      }
    };
    // The runtime's own timer, at the end of the hold time. Unanswered, the Worker asks the room for the ping.
    // Answered, it closes the socket then, not with the reply: the closes of the many requests one post
    // answers would otherwise come amid its replies and the clients' next requests, and hold them back.
    AbortSignal.timeout(holdMs).addEventListener("abort", () => {
      expired = true;
      if (answered) return close();
      try {
        socket.send(HOLD_EXPIRED);
      } catch {
        // Closing already: its close event answers.
      }
    });
    socket.addEventListener("message", (event) => {
      if (answered) return;
      answered = true;
      resolve(dataResponse(event.data as string, contentType));
      // The ping asked for at the end of the hold time: nothing to wait for.
      if (expired) close();
    });
    // Closed before the reply: the room went away. (An error is followed by a close.)
    socket.addEventListener("close", () => {
      if (!answered) reject(roomWentAway());
    });
  });
}
