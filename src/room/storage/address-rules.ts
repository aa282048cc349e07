import { Blocklist, formatRule, parseBlocklist, type BlockRule, type BlocklistError } from "../../security/blocklist";

/** The tables that hold address rules: one canonical rule (address or CIDR range) per row, with a comment. */
export type AddressRulesTable = "blocklist" | "allowlist";

/**
 * A list of addresses and ranges in the room's storage, written and read as
 * the original's blacklist file was (one rule a line, `#` comments), compiled
 * once per change. The blocklist and the allowlist are two of these.
 */
export class AddressRules {
  private compiled: Blocklist | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly table: AddressRulesTable,
  ) {}

  /** The rule that covers `address`, if any. */
  protected covering(address: string): BlockRule | null {
    const list = this.list();
    return list.rules.length === 0 ? null : list.blocks(address);
  }

  list(): Blocklist {
    if (this.compiled === null) {
      const rows = this.sql.exec<{ rule: string; comment: string }>(`SELECT rule, comment FROM ${this.table} ORDER BY added_at, rule`).toArray();
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
        `INSERT INTO ${this.table} (rule, comment, added_at) VALUES (?, ?, ?) ON CONFLICT (rule) DO UPDATE SET comment = excluded.comment`,
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
      if (this.sql.exec(`DELETE FROM ${this.table} WHERE rule = ?`, range).rowsWritten > 0) removed.push(range);
    }
    this.compiled = null;
    return { removed, errors };
  }

  /** The list as text, as it would be written in a file. */
  text(): string {
    return this.list()
      .rules.map((rule) => `${formatRule(rule)}\n`)
      .join("");
  }
}
