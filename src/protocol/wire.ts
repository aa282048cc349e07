/** Message shapes shared by the server and the browser script. */

/** A comet reply without `s`: JSON whose content is rendered entries. */
export interface CometHtmlReply {
  pos: number;
  nc: number;
  ver: string;
  /** -1 when the session expired (strict login). */
  cid: number;
  content: string;
}

/** The poster's answer to a request that accepts JSON. */
export interface PostAck {
  stored: boolean;
  pos: number;
}

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
