/**
 * The closed set of permissions. A grant is one bit; a principal's grants and an operation's needs
 * are bit masks, so deciding an operation is one AND and one comparison.
 */
export enum Resource {
  CALLS = "calls",
  LEADS = "leads",
  AGENTS = "agents",
  ANALYTICS = "analytics",
  CONTACTS = "contacts",
  KNOWLEDGE_BASE = "knowledge_base",
  INTEGRATIONS = "integrations",
}

export enum Access {
  READ = "read",
  WRITE = "write",
}

/** Resources in the API's order (docs/API.md), which is also the order `ApiKey.permissions` lists them in. */
export const RESOURCES: readonly Resource[] = Object.values(Resource);
export const ACCESSES: readonly Access[] = [Access.READ, Access.WRITE];

/** Resources that can never be written; a grant of write on them is refused. */
export const READ_ONLY_RESOURCES: ReadonlySet<Resource> = new Set([Resource.ANALYTICS]);

export type GrantMask = number;

const RESOURCE_INDEX = new Map(RESOURCES.map((r, i) => [r, i]));

export function grantBit(resource: Resource, access: Access): GrantMask {
  return 1 << ((RESOURCE_INDEX.get(resource) as number) * 2 + (access === Access.WRITE ? 1 : 0));
}

/** Every grant that exists: what an ADMIN member holds. */
export const ALL_GRANTS: GrantMask = RESOURCES.reduce(
  (mask, r) => mask | grantBit(r, Access.READ) | (READ_ONLY_RESOURCES.has(r) ? 0 : grantBit(r, Access.WRITE)),
  0,
);

export const NO_GRANTS: GrantMask = 0;

export interface GrantRow {
  resource: Resource;
  read: boolean;
  write: boolean;
}

export function maskOf(rows: readonly GrantRow[]): GrantMask {
  let mask = 0;
  for (const row of rows) {
    if (row.read) mask |= grantBit(row.resource, Access.READ);
    if (row.write) mask |= grantBit(row.resource, Access.WRITE);
  }
  return mask;
}

const GRANT_NAMES: { bit: GrantMask; name: string }[] = RESOURCES.flatMap((r) =>
  ACCESSES.map((a) => ({ bit: grantBit(r, a), name: `${r}:${a}` })),
).sort((a, b) => (a.name < b.name ? -1 : 1));

/** `resource:access` names of the grants in `mask`, lower case, sorted, unique. */
export function grantNames(mask: GrantMask): string[] {
  const names: string[] = [];
  for (const { bit, name } of GRANT_NAMES) if (mask & bit) names.push(name);
  return names;
}
