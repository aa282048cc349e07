/** A room's status as var/status.js gives it. */
export interface RoomStatus {
  "last-post": number;
  "num-chatters": number;
  "post-sequence": number;
}
