import type { BlockRule } from "../../security/blocklist";
import { AddressRules } from "./address-rules";

/**
 * The room's allowlist: addresses and ranges trusted to post and log in above
 * the limits (a bridge, a school's gateway). It lifts limits only: a blocked
 * address stays blocked.
 */
export class AllowlistStore extends AddressRules {
  constructor(sql: SqlStorage) {
    super(sql, "allowlist");
  }

  /** The rule that allows `address`, if any. */
  allows(address: string): BlockRule | null {
    return this.covering(address);
  }
}
