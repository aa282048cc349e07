/** Post ids clients made (table post_ids), so that a retried post is stored once. */
export class PostIds {
  constructor(private readonly sql: SqlStorage) {}

  /** The position of the post stored with this (nick, msgid) at or after `since`, if any. */
  find(nick: string, msgid: string, since: number): number | null {
    return this.sql.exec<{ seq: number }>("SELECT seq FROM post_ids WHERE nick = ? AND msgid = ? AND at >= ?", nick, msgid, since).toArray()[0]?.seq ?? null;
  }

  /** Records a stored post's id, forgetting those older than `forgetBefore`. */
  record(nick: string, msgid: string, seq: number, at: number, forgetBefore: number): void {
    this.sql.exec("DELETE FROM post_ids WHERE at < ?", forgetBefore);
    this.sql.exec("INSERT OR REPLACE INTO post_ids (nick, msgid, seq, at) VALUES (?, ?, ?, ?)", nick, msgid, seq, at);
  }
}
