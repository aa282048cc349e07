import { Blocklist, formatRule, parseBlocklist, type BlockRule, type BlocklistError } from "../../security/blocklist";

/** The room's blocklist in its storage, one canonical rule per row, compiled once per change. */
export class BlocklistStore {
  private compiled: Blocklist | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** The rule that blocks `address`, if any. */
  blocks(address: string): BlockRule | null {
    return this.list().blocks(address);
  }

  list(): Blocklist {
    if (this.compiled === null) {
      const rows = this.sql.exec<{ rule: string; comment: string }>("SELECT rule, comment FROM blocklist ORDER BY added_at, rule").toArray();
      this.compiled = new Blocklist(parseBlocklist(rows.map((r) => (r.comment ? `${r.rule} # ${r.comment}` : r.rule)).join("\n")).rules);
    }
    return this.compiled;
  }

  /** Adds the rules of `text` (lines as in the original's list); returns what could not be parsed. */
  add(text: string, nowMs: number): { added: string[]; errors: BlocklistError[] } {
    const { rules, errors } = parseBlocklist(text);
    const added: string[] = [];
    for (const rule of rules) {
      const range = formatRule({ ...rule, comment: "" });
      this.sql.exec(
        "INSERT INTO blocklist (rule, comment, added_at) VALUES (?, ?, ?) ON CONFLICT (rule) DO UPDATE SET comment = excluded.comment",
        range,
        rule.comment,
        nowMs,
      );
      added.push(formatRule(rule));
    }
    this.compiled = null;
    return { added, errors };
  }

  /** Removes the rules for the ranges of `text`; returns the ranges removed. */
  remove(text: string): { removed: string[]; errors: BlocklistError[] } {
    const { rules, errors } = parseBlocklist(text);
    const removed: string[] = [];
    for (const rule of rules) {
      const range = formatRule({ ...rule, comment: "" });
      if (this.sql.exec("DELETE FROM blocklist WHERE rule = ?", range).rowsWritten > 0) removed.push(range);
    }
    this.compiled = null;
    return { removed, errors };
  }

  /** The list as text, as it would be written in a file. */
  text(): string {
    return this.list().rules.map((rule) => `${formatRule(rule)}\n`).join("");
  }
}
