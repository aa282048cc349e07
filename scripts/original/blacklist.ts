/**
 * data/blacklist.txt as the original reads it: a pattern anchored at the
 * start of the line, `a.b.c.d` or `a.b.c.d/n`, anything after it ignored,
 * numbers with leading zeros decimal; lines starting with `#` or white
 * space, and blank lines, are not rules.
 */

export interface OriginalRule {
  line: number;
  /** The rule in the room's syntax: decimal octets, the mask if any. */
  rule: string;
  /** What followed the rule on the line, kept as the rule's comment. */
  comment: string;
}

const RULE = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?/;

export function readBlacklist(text: string): { rules: OriginalRule[]; skipped: { line: number; text: string; reason: string }[] } {
  const rules: OriginalRule[] = [];
  const skipped: { line: number; text: string; reason: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const lineText = raw.replace(/\r$/, "");
    if (lineText === "" || lineText.startsWith("#") || /^\s/.test(lineText)) return;
    const match = RULE.exec(lineText);
    const line = i + 1;
    if (match === null) {
      skipped.push({ line, text: lineText, reason: "no a.b.c.d or a.b.c.d/n at the start" });
      return;
    }
    const octets = match.slice(1, 5).map((octet) => parseInt(octet, 10));
    if (octets.some((octet) => octet > 255)) {
      skipped.push({ line, text: lineText, reason: "an octet over 255" });
      return;
    }
    const mask = match[5] === undefined ? null : parseInt(match[5], 10);
    if (mask !== null && mask > 32) {
      skipped.push({ line, text: lineText, reason: `mask /${match[5]} over 32` });
      return;
    }
    const comment = lineText
      .slice(match[0].length)
      .trim()
      .replace(/^#+\s*/, "");
    rules.push({ line, rule: octets.join(".") + (mask === null ? "" : `/${mask}`), comment });
  });
  return { rules, skipped };
}

/** The rules as the room's blocklist text (`rule # comment`, one a line). */
export function blocklistText(rules: readonly OriginalRule[]): string {
  return rules.map((r) => (r.comment === "" ? `${r.rule}\n` : `${r.rule} # ${r.comment}\n`)).join("");
}
