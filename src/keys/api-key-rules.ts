import { GrantRow, READ_ONLY_RESOURCES, RESOURCES, Resource } from "../auth/resource";
import { follow, longText, NAME, readText } from "../common/rules";
import { FieldErrors } from "../common/validation";
import type { RateLimitValue } from "../throttles/rate-limiter";

/** The rules of a key's name, expiry and grants (docs/API.md, "Key lifecycle"), as pure functions. */

export enum ApiKeyStatus {
  ACTIVE = "ACTIVE",
  EXPIRED = "EXPIRED",
  REVOKED = "REVOKED",
}

export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;

/** Derived at the instant asked: a key is EXPIRED from the very millisecond `expiresAt` is reached. */
export function apiKeyStatus(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): ApiKeyStatus {
  if (key.revokedAt) return ApiKeyStatus.REVOKED;
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return ApiKeyStatus.EXPIRED;
  return ApiKeyStatus.ACTIVE;
}

export interface PermissionRequest {
  resource: Resource;
  read?: boolean | null;
  write?: boolean | null;
}

/** A name is trimmed and must then be 1–100 characters with no control characters. */
export function readName(errors: FieldErrors, field: string, raw: string): string {
  return readText(errors, field, raw, NAME);
}

export function readExpiry(errors: FieldErrors, field: string, expiresAt: Date | null, now: Date): Date | null {
  if (expiresAt === null) return null;
  errors.check(expiresAt.getTime() > now.getTime(), field, "must be later than now");
  return expiresAt;
}

/**
 * A key rotated out with a grace period ends when that period does: its expiry may be brought
 * forward but not removed or moved later, or the old secret could be kept alive for good.
 */
export function checkGraceExpiry(
  errors: FieldErrors,
  field: string,
  key: { rotatedToId: string | null; expiresAt: Date | null },
  expiresAt: Date | null | undefined,
): void {
  if (expiresAt === undefined || key.rotatedToId === null || key.expiresAt === null) return;
  errors.check(
    expiresAt !== null && expiresAt.getTime() <= key.expiresAt.getTime(),
    field,
    `must not be removed or later than ${key.expiresAt.toISOString()}: the key was rotated and its grace period ends then`,
  );
}

/**
 * Grants as rows, one per resource with read or write, in Resource order. Each resource at most
 * once, at least one grant, and analytics read-only. Write never implies read.
 */
export function readPermissions(errors: FieldErrors, field: string, requests: readonly PermissionRequest[]): GrantRow[] {
  const seen = new Set<Resource>();
  const duplicates = new Set<Resource>();
  for (const request of requests) {
    if (seen.has(request.resource)) duplicates.add(request.resource);
    seen.add(request.resource);
  }
  const rows = requests
    .map((r) => ({ resource: r.resource, read: r.read === true, write: r.write === true }))
    .filter((r) => r.read || r.write)
    .sort((a, b) => RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource));
  const writesReadOnly = rows.find((r) => r.write && READ_ONLY_RESOURCES.has(r.resource));
  if (duplicates.size > 0) {
    errors.add(field, `must name each resource at most once (repeated: ${[...duplicates].map((r) => r.toUpperCase()).join(", ")})`);
  } else if (writesReadOnly) {
    errors.add(field, `${writesReadOnly.resource} is read-only: write access cannot be granted on it`);
  } else {
    errors.check(rows.length > 0, field, "must grant at least one read or write permission");
  }
  return rows;
}

/** Optional free text: trimmed, empty means none, bounded, no control characters. */
export function readReason(errors: FieldErrors, field: string, raw: string | null | undefined): string | null {
  const reason = raw?.trim() ?? "";
  if (reason === "") return null;
  follow(errors, field, reason, longText(500));
  return reason;
}

export function readGracePeriod(errors: FieldErrors, field: string, seconds: number | null | undefined): number {
  const value = seconds ?? 0;
  errors.check(
    Number.isInteger(value) && value >= 0 && value <= MAX_GRACE_PERIOD_SECONDS,
    field,
    `must be from 0 to ${MAX_GRACE_PERIOD_SECONDS} seconds (7 days)`,
  );
  return value;
}

export const MAX_RATE_LIMIT = 1_000_000;
export const MAX_RATE_LIMIT_WINDOW_SECONDS = 86_400;

/** Limit 1–1,000,000 requests, window 1–86,400 s, both whole numbers; null means no limit. */
export function readRateLimit(errors: FieldErrors, field: string, raw: RateLimitValue | null | undefined): RateLimitValue | null {
  if (raw === null || raw === undefined) return null;
  errors.check(
    Number.isInteger(raw.limit) && raw.limit >= 1 && raw.limit <= MAX_RATE_LIMIT,
    `${field}.limit`,
    `must be an integer from 1 to ${MAX_RATE_LIMIT}`,
  );
  errors.check(
    Number.isInteger(raw.windowSeconds) && raw.windowSeconds >= 1 && raw.windowSeconds <= MAX_RATE_LIMIT_WINDOW_SECONDS,
    `${field}.windowSeconds`,
    `must be an integer from 1 to ${MAX_RATE_LIMIT_WINDOW_SECONDS} seconds`,
  );
  return { limit: raw.limit, windowSeconds: raw.windowSeconds };
}

/** The stored pair as a value, or null when the key has no limit. */
export function rateLimitOf(key: { rateLimitMax: number | null; rateLimitWindowSeconds: number | null }): RateLimitValue | null {
  return key.rateLimitMax !== null && key.rateLimitWindowSeconds !== null
    ? { limit: key.rateLimitMax, windowSeconds: key.rateLimitWindowSeconds }
    : null;
}
