/**
 * Message shapes shared by the server and the browser script. The wire types
 * live in the client package, so the server, the room page and chaton-client
 * share one definition; what only this server and its page use stays here.
 */
export * from "../../packages/client/src/wire";

/** What the room page tells its script, as data attributes of its .room element. */
export interface RoomPageData {
  room: string;
  title: string;
  ver: string;
  pos: string;
  cid: string;
  nc: string;
  hold: string;
}

/** Close codes the server uses. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;
