/**
 * What FTS5's trigram tokenizer does in Durable Object SQLite under the test
 * pool: the facts search (src/room/search/) is built on. If the runtime
 * changes one of them, this file says which.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

/** Runs `fn` on the SQL storage of a new room object, in its own scratch tables. */
function withSql<R>(fn: (sql: SqlStorage, storage: DurableObjectStorage) => R): Promise<R> {
  const stub = env.ROOM.get(env.ROOM.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage.sql, state.storage));
}

const DOCS = ["Hello World", "ΣΊΣΥΦΟΣ", "Élan", "ＡＢＣ", "東京タワーに行く", "東京", "🍣🍺🍶 sushi", "a🍣b", "İstanbul"];

/** Fills a trigram table with DOCS (rowid = index + 1) and returns a function: the rowids a MATCH finds. */
function trigramTable(sql: SqlStorage, name: string, options: string): (match: string) => number[] {
  sql.exec(`CREATE VIRTUAL TABLE ${name} USING fts5(x, tokenize = 'trigram ${options}')`);
  DOCS.forEach((doc, i) => sql.exec(`INSERT INTO ${name} (rowid, x) VALUES (?, ?)`, i + 1, doc));
  return (match) =>
    sql
      .exec<{ rowid: number }>(`SELECT rowid FROM ${name} WHERE ${name} MATCH ? ORDER BY rowid`, match)
      .toArray()
      .map((r) => r.rowid);
}

const phrase = (s: string) => `"${s}"`;

describe("FTS5 with the trigram tokenizer in Durable Object SQLite", () => {
  it("should fold far more than Latin A-Z with case_sensitive 0: accented Latin, Greek, dotted I", async () => {
    const found = await withSql((sql) => {
      const match = trigramTable(sql, "folding", "case_sensitive 0");
      return Object.fromEntries(["hello", "HELLO", "σίσ", "élan", "ÉLAN", "abc", "ａｂｃ", "ist", "İst"].map((t) => [t, match(phrase(t))]));
    });
    expect(found).toEqual({
      hello: [1],
      HELLO: [1],
      σίσ: [2],
      élan: [3],
      ÉLAN: [3],
      abc: [],
      ａｂｃ: [4],
      ist: [],
      İst: [9],
    });
  });

  it("should compare every character as written with case_sensitive 1", async () => {
    const found = await withSql((sql) => {
      const match = trigramTable(sql, "exact", "case_sensitive 1");
      return Object.fromEntries(["hello", "Hello", "σίσ", "ΣΊΣ", "élan", "Élan"].map((t) => [t, match(phrase(t))]));
    });
    expect(found).toEqual({ hello: [], Hello: [1], σίσ: [], ΣΊΣ: [2], élan: [], Élan: [3] });
  });

  it("should have lower() fold A-Z only, so it can fold text for a case_sensitive 1 index as queries are folded", async () => {
    const row = await withSql((sql) => sql.exec<{ l: string }>("SELECT lower(?) AS l", "ABCxyzÀÉΣＡİ").one());
    expect(row.l).toBe("abcxyzÀÉΣＡİ");
    expect("ABCxyzÀÉΣＡİ".replace(/[A-Z]+/g, (s) => s.toLowerCase())).toBe(row.l);
  });

  it("should find CJK and non-BMP substrings of 3+ characters, counting a non-BMP character as one", async () => {
    const found = await withSql((sql) => {
      const match = trigramTable(sql, "cjk", "case_sensitive 1");
      return Object.fromEntries(["東京タ", "タワーに行く", "🍣🍺🍶", "a🍣b", "🍶 s"].map((t) => [t, match(phrase(t))]));
    });
    expect(found).toEqual({ 東京タ: [5], タワーに行く: [5], "🍣🍺🍶": [7], "a🍣b": [8], "🍶 s": [7] });
  });

  it("should find nothing, without an error, for terms under 3 characters, also as a prefix query", async () => {
    const found = await withSql((sql) => {
      const match = trigramTable(sql, "short", "case_sensitive 1");
      return ["東京", "東", "🍣", "🍣🍺", "He", '"東京"*', '"a"*'].map((t) => match(t.startsWith('"') ? t : phrase(t)));
    });
    expect(found).toEqual([[], [], [], [], [], [], []]);
  });

  it("should answer LIKE with a 2-character pattern correctly, but by reading every row", async () => {
    const [rows, planDetail] = await withSql((sql) => {
      trigramTable(sql, "liked", "case_sensitive 1");
      const rows = sql
        .exec<{ rowid: number }>("SELECT rowid FROM liked WHERE x LIKE ? ORDER BY rowid", "%東京%")
        .toArray()
        .map((r) => r.rowid);
      const plan = sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT rowid FROM liked WHERE x LIKE ?", "%東京%")
        .toArray()
        .map((r) => r.detail)
        .join(" ");
      return [rows, plan] as const;
    });
    expect(rows).toEqual([5, 6]);
    // Index 0: a full scan of the table (no MATCH, no constraint the index can use).
    expect(planDetail).toMatch(/SCAN liked VIRTUAL TABLE INDEX 0:/);
  });

  it("should make every character start a trigram when two padding characters follow the text, and list those trigrams by range", async () => {
    const terms = await withSql((sql) => {
      sql.exec("CREATE VIRTUAL TABLE padded USING fts5(x, tokenize = 'trigram case_sensitive 1')");
      sql.exec("CREATE VIRTUAL TABLE padded_terms USING fts5vocab(padded, 'col')");
      for (const [i, doc] of ["東京", "東京タワー", "京都", "🍣"].entries()) sql.exec("INSERT INTO padded (rowid, x) VALUES (?, ? || char(1, 1))", i + 1, doc);
      const range = (prefix: string, pad: number) =>
        sql
          .exec<{ term: string }>("SELECT term FROM padded_terms WHERE col = 'x' AND term >= ? AND term <= ?", prefix, prefix + "\u{10FFFF}".repeat(pad))
          .toArray()
          .map((r) => r.term);
      const plan = sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT term FROM padded_terms WHERE term >= ? AND term <= ?", "a", "b")
        .toArray()[0]!.detail;
      const rowsOf = (trigrams: string[]) =>
        sql
          .exec<{ rowid: number }>("SELECT rowid FROM padded WHERE padded MATCH ? ORDER BY rowid", trigrams.map(phrase).join(" OR "))
          .toArray()
          .map((r) => r.rowid);
      return {
        tokyo: range("東京", 1),
        east: range("東", 2),
        capital: range("京", 2),
        sushi: range("🍣", 2),
        plan,
        tokyoRows: rowsOf(range("東京", 1)),
        capitalRows: rowsOf(range("京", 2)),
      };
    });
    expect(terms.tokyo).toEqual(["東京\u0001", "東京タ"]);
    expect(terms.east).toEqual(["東京\u0001", "東京タ"]);
    expect(terms.capital).toEqual(["京\u0001\u0001", "京タワ", "京都\u0001"]);
    expect(terms.sushi).toEqual(["🍣\u0001\u0001"]);
    expect(terms.tokyoRows).toEqual([1, 2]);
    expect(terms.capitalRows).toEqual([1, 2, 3]);
    // The vocabulary table takes the range as a constraint instead of listing every term.
    expect(terms.plan).not.toMatch(/INDEX 0:/);
  });

  it("should delete from a contentless table with contentless_delete=1, and filter columns around a parenthesised OR", async () => {
    const result = await withSql((sql) => {
      sql.exec("CREATE VIRTUAL TABLE cl USING fts5(body, who, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1')");
      sql.exec("INSERT INTO cl (rowid, body, who) VALUES (1, 'alice text', 'bob'), (2, 'bob text', 'alice'), (3, 'carol', 'dave')");
      const match = (m: string) =>
        sql
          .exec<{ rowid: number }>("SELECT rowid FROM cl WHERE cl MATCH ? ORDER BY rowid", m)
          .toArray()
          .map((r) => r.rowid);
      const before = { body: match('body : ("bob" OR "car")'), who: match('who : ("bob" OR "dav")'), not: match('(body : "tex") NOT (who : "bob")') };
      sql.exec("DELETE FROM cl WHERE rowid = 2");
      return { ...before, afterDelete: match('body : "tex"'), count: sql.exec<{ n: number }>("SELECT count(*) AS n FROM cl").one().n };
    });
    expect(result).toEqual({ body: [2, 3], who: [1, 3], not: [2], afterDelete: [1], count: 2 });
  });

  it("should bind JavaScript numbers as REAL, and take a whole one as a rowid up to 2^53", async () => {
    const result = await withSql((sql) => {
      sql.exec("CREATE VIRTUAL TABLE ids USING fts5(x, content = '', contentless_delete = 1, tokenize = 'trigram')");
      const types = sql.exec<{ a: string; b: string }>("SELECT typeof(?) AS a, typeof(?) AS b", 5, 1.5).one();
      const big = 1_790_000_000_123_456;
      sql.exec("INSERT INTO ids (rowid, x) VALUES (?, 'abc')", big);
      let fractional = "";
      try {
        sql.exec("INSERT INTO ids (rowid, x) VALUES (?, 'abc')", 1.5);
      } catch (error) {
        fractional = String(error);
      }
      const back = sql.exec<{ rowid: number; t: string }>("SELECT rowid, typeof(rowid) AS t FROM ids WHERE ids MATCH 'abc' AND rowid >= ?", big).one();
      return { types, back, fractional, big };
    });
    expect(result.types).toEqual({ a: "real", b: "real" });
    expect(result.back).toEqual({ rowid: result.big, t: "integer" });
    expect(result.fractional).toMatch(/mismatch/i);
  });

  it("should seek to a rowid bound only when it is an INTEGER: a bound bound as a JavaScript number needs CAST", async () => {
    const rows = 40_000;
    const { real, cast } = await withSql((sql, storage) => {
      sql.exec("CREATE VIRTUAL TABLE bounded USING fts5(x, tokenize = 'trigram')");
      storage.transactionSync(() => {
        for (let i = 1; i <= rows; i++) sql.exec("INSERT INTO bounded (rowid, x) VALUES (?, 'say abcdefghij once')", i);
      });
      const query = (bound: string) => `SELECT rowid FROM bounded WHERE bounded MATCH '"abcdefghij"' AND rowid < ${bound} ORDER BY rowid DESC LIMIT 1`;
      /** The query's answer, its plan, and how many rows SQLite read to answer it (the cursor's rowsRead). */
      const oldest = (bound: string) => {
        const cursor = sql.exec<{ rowid: number }>(query(bound), 3);
        const found = cursor.toArray().map((r) => r.rowid);
        const plan = sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query(bound)}`, 3)
          .toArray()
          .map((r) => r.detail)
          .join("\n");
        return { found, plan, rowsRead: cursor.rowsRead };
      };
      return { real: oldest("?"), cast: oldest("CAST(? AS INTEGER)") };
    });
    // Both are right (SQLite checks the bound itself)...
    expect(real.found).toEqual([2]);
    expect(cast.found).toEqual([2]);
    // ...and both hand the MATCH and the rowid bound to FTS5 (M1: the MATCH, <: the bound) with the same plan...
    expect(real.plan).toMatch(/SCAN bounded VIRTUAL TABLE INDEX \d+:M1</);
    expect(cast.plan).toBe(real.plan);
    // ...but FTS5 seeks only to an INTEGER bound: with a REAL one it walks every row above the bound, matching the
    // phrase in each (rows read: all 40,000 but the two below it), with the INTEGER one it reads the one row it returns.
    expect(cast.rowsRead).toBeLessThanOrEqual(2);
    expect(real.rowsRead).toBeGreaterThanOrEqual(rows - 3);
  });

  it("should order by rowid descending and stop at a LIMIT without sorting", async () => {
    const plan = await withSql((sql) => {
      sql.exec("CREATE VIRTUAL TABLE ordered USING fts5(x, tokenize = 'trigram')");
      return sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT rowid FROM ordered WHERE ordered MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT 5", '"abc"', 10)
        .toArray()
        .map((r) => r.detail)
        .join("\n");
    });
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it("should let a transactionSync nest inside another", async () => {
    const n = await withSql((sql, storage) => {
      sql.exec("CREATE TABLE nested (x INTEGER)");
      storage.transactionSync(() => {
        sql.exec("INSERT INTO nested VALUES (1)");
        storage.transactionSync(() => sql.exec("INSERT INTO nested VALUES (2)"));
      });
      return sql.exec<{ n: number }>("SELECT count(*) AS n FROM nested").one().n;
    });
    expect(n).toBe(2);
  });
});
