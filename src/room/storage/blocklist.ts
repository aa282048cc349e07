import type { BlockRule } from "../../security/blocklist";
import { AddressRules } from "./address-rules";

/** The room's blocklist: posts from these addresses are dropped (answered as if stored). */
export class BlocklistStore extends AddressRules {
  constructor(sql: SqlStorage) {
    super(sql, "blocklist");
  }

  /** The rule that blocks `address`, if any. */
  blocks(address: string): BlockRule | null {
    return this.covering(address);
  }
}
