import ipaddr from "ipaddr.js";
import { FieldErrors } from "../common/validation";
import type { Allowlist } from "../auth/principal";

/** A key's IP allowlist (docs/API.md, "Key safety"): parsing, the input rules, and matching. */

export const MAX_ALLOWED_CIDRS = 50;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Block = [Address, number];

/** An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is its IPv4 form; anything else as parsed. */
function unmapped(address: Address): Address {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

/**
 * One entry as a block, or the reason it is refused. IPv4 must be four decimal parts (no `127.1`
 * or octal look-alikes), IPv6 may carry no zone, and a block's host bits must be zero.
 */
function parseEntry(entry: string): { block: Block; written: string } | { error: string } {
  const [host, bits, ...rest] = entry.split("/");
  if (rest.length > 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return { error: "is not an IP address or CIDR block" };
  let address: Address;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) address = ipaddr.IPv4.parse(host);
  else if (ipaddr.IPv6.isValid(host) && !host.includes("%")) address = ipaddr.IPv6.parse(host);
  else return { error: "is not an IP address or CIDR block" };
  const width = address.kind() === "ipv4" ? 32 : 128;
  const prefix = bits === undefined ? width : Number(bits);
  if (prefix > width) return { error: `has a prefix length over ${width}` };
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${host}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${host}/${prefix}`);
  if (network.toString() !== address.toString()) return { error: `has host bits set (the block is ${network.toString()}/${prefix})` };
  // Entries read back as written; IPv6 in its canonical lower-case form (RFC 5952, which writes
  // an IPv4-mapped address with its IPv4 part dotted).
  const isMapped = address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress();
  const text =
    address.kind() === "ipv4" ? host : isMapped ? `::ffff:${unmapped(address).toString()}` : (address as ipaddr.IPv6).toRFC5952String();
  const written = bits === undefined ? text : `${text}/${prefix}`;
  const mapped = isMapped && prefix >= 96;
  return { block: mapped ? [unmapped(address), prefix - 96] : [address, prefix], written };
}

/**
 * The input rules: null means any address; otherwise 1–50 entries, each an address or block with
 * no host bits, none repeated. Returns the entries as they are stored and read back.
 */
export function readAllowedCidrs(errors: FieldErrors, field: string, raw: readonly string[] | null | undefined): string[] | null {
  if (raw === null || raw === undefined) return null;
  if (!errors.check(raw.length > 0, field, "must list at least one address or CIDR block; use null to allow any address")) return null;
  if (!errors.check(raw.length <= MAX_ALLOWED_CIDRS, field, `must list at most ${MAX_ALLOWED_CIDRS} entries`)) return null;
  const seen = new Set<string>();
  const written: string[] = [];
  for (const entry of raw) {
    const parsed = parseEntry(entry.trim());
    if ("error" in parsed) {
      errors.add(field, `entry ${JSON.stringify(entry)} ${parsed.error}`);
      return null;
    }
    const identity = `${parsed.block[0].toString()}/${parsed.block[1]}`;
    if (seen.has(identity)) {
      errors.add(field, `entry ${JSON.stringify(entry)} is a duplicate`);
      return null;
    }
    seen.add(identity);
    written.push(parsed.written);
  }
  return written;
}

/** Compiles stored entries (already validated); an unparseable stored entry matches nothing. */
export function compileAllowlist(entries: readonly string[] | null): Allowlist | null {
  if (entries === null) return null;
  const v4: Block[] = [];
  const v6: Block[] = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if ("error" in parsed) continue;
    (parsed.block[0].kind() === "ipv4" ? v4 : v6).push(parsed.block);
  }
  const decide = (clientAddress: string): boolean => {
    const address = parseClientAddress(clientAddress);
    if (!address) return false;
    const blocks = address.kind() === "ipv4" ? v4 : v6;
    for (const block of blocks) if (address.match(block)) return true;
    return false;
  };
  // A key is used from a handful of addresses: after the first request from one, its answer is a
  // map look-up. Bounded; the whole allowlist is recompiled whenever the key cache reloads the key.
  const decided = new Map<string, boolean>();
  return {
    allows(clientAddress) {
      if (!clientAddress) return false;
      let allowed = decided.get(clientAddress);
      if (allowed === undefined) {
        allowed = decide(clientAddress);
        if (decided.size >= DECISIONS_KEPT) decided.clear();
        decided.set(clientAddress, allowed);
      }
      return allowed;
    },
  };
}

const DECISIONS_KEPT = 256;

/** The request's address, mapped IPv4 as IPv4; null when there is none or it does not parse. */
function parseClientAddress(clientAddress: string | undefined | null): Address | null {
  if (!clientAddress || !ipaddr.isValid(clientAddress)) return null;
  return unmapped(ipaddr.parse(clientAddress));
}

/** How an address is shown (`lastUsedFrom`, alert details): IPv4 for mapped IPv6, IPv6 canonical. */
export function displayAddress(clientAddress: string | undefined | null): string | null {
  const address = parseClientAddress(clientAddress);
  if (!address) return null;
  return address.kind() === "ipv4" ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/** The unit `NEW_CLIENT_ADDRESS` compares: an IPv4 address, or an IPv6 /64 (one site's addresses). */
export function addressBucket(clientAddress: string | undefined | null): string | null {
  const address = parseClientAddress(clientAddress);
  if (!address) return null;
  if (address.kind() === "ipv4") return address.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`);
  return `${network.toRFC5952String()}/64`;
}
