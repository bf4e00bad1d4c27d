import { MemberRole } from "../../src/auth/member-role";
import { hashPassword, verifyPassword } from "../../src/auth/password";
import { ALL_GRANTS, NO_GRANTS } from "../../src/auth/resource";
import { issueApiKeySecret, issueSessionSecret, sha256 } from "../../src/auth/token";
import { KeySource, SessionRecord, SessionSource, VerifiableKey, Verifier } from "../../src/auth/verifier";
import { ManualClock } from "../../src/common/clock";
import { MemoryGuessStore, TokenGuessThrottle } from "../../src/throttles/token-guess-throttle";

// The verifier's decisions, over key and session sources held in maps (what the key cache and the
// members service hand it), on a clock the test moves.
const NOW = Date.UTC(2026, 0, 1);
const issued = issueApiKeySecret();
const session = issueSessionSecret();

function keyOf(over: Partial<VerifiableKey> = {}): VerifiableKey {
  return {
    id: "key-1",
    workspaceId: "ws-1",
    prefix: issued.prefix,
    grants: 5,
    expiresAt: null,
    revokedAt: null,
    rateLimit: { limit: 10, windowSeconds: 60 },
    allowlist: null,
    ...over,
    spend: over.spend ?? null,
  };
}

function sessionOf(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: "s-1",
    memberId: "m-1",
    workspaceId: "ws-1",
    role: MemberRole.ADMIN,
    expiresAt: new Date(NOW + 60_000),
    endedAt: null,
    ...over,
  };
}

function setup(key: VerifiableKey | null = keyOf(), record: SessionRecord | null = sessionOf(), peek = false, limit = 2) {
  const clock = new ManualClock(new Date(NOW));
  const looked: string[] = [];
  const keys: KeySource = {
    get: async (digest) => {
      looked.push(`key ${digest}`);
      return digest === issued.digest ? key : null;
    },
    ...(peek ? { peek: (digest: string) => (digest === issued.digest ? key : undefined) } : {}),
  };
  const sessions: SessionSource = {
    get: async (digest) => {
      looked.push(`session ${digest}`);
      return digest === session.digest ? record : null;
    },
  };
  const guesses = new TokenGuessThrottle(clock, new MemoryGuessStore({ limit, windowSeconds: 60, lockSeconds: 30 }));
  return { clock, looked, verifier: new Verifier(keys, sessions, clock, guesses), bare: new Verifier(keys, sessions, clock) };
}

describe("Verifier", () => {
  it("no credential is no principal; a malformed one is refused without a look-up", async () => {
    const { verifier, looked } = setup();
    expect(await verifier.verify(undefined)).toEqual({ ok: true, principal: null });
    expect(await verifier.verify("Bearer ")).toEqual({ ok: true, principal: null });
    expect(await verifier.verify("Bearer nope")).toEqual({ ok: false, reason: "MALFORMED" });
    expect(looked).toEqual([]);
  });

  it("a valid key is its principal, the same object on every request while the key is", async () => {
    const key = keyOf();
    const { verifier } = setup(key);
    const first = await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.1");
    expect(first).toEqual({
      ok: true,
      principal: {
        kind: "API_KEY",
        workspaceId: "ws-1",
        apiKeyId: "key-1",
        prefix: issued.prefix,
        grants: 5,
        rateLimit: { limit: 10, windowSeconds: 60 },
        allowlist: null,
        spend: null,
        trustedOperations: null,
      },
    });
    expect(await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.1")).toBe(first);
  });

  it("a key peeked from the cache is not looked up; one the cache does not know is", async () => {
    const { verifier, looked } = setup(keyOf(), sessionOf(), true);
    expect((await verifier.verify(`Bearer ${issued.secret}`)).ok).toBe(true);
    expect(looked).toEqual([]);
    const other = issueApiKeySecret();
    expect(await verifier.verify(`Bearer ${other.secret}`)).toEqual({ ok: false, reason: "INVALID" });
    expect(looked).toEqual([`key ${sha256(other.secret)}`]);
  });

  it("a revoked key is REVOKED and an expired one EXPIRED from the instant of its expiry, naming the key", async () => {
    const refusedKey = { id: "key-1", workspaceId: "ws-1", prefix: issued.prefix };
    expect(await setup(keyOf({ revokedAt: NOW - 1, expiresAt: NOW - 1 })).verifier.verify(`Bearer ${issued.secret}`)).toEqual({
      ok: false,
      reason: "REVOKED",
      apiKey: refusedKey,
    });
    const { verifier, clock } = setup(keyOf({ expiresAt: NOW + 1 }));
    expect((await verifier.verify(`Bearer ${issued.secret}`)).ok).toBe(true);
    clock.advance(1);
    expect(await verifier.verify(`Bearer ${issued.secret}`)).toEqual({ ok: false, reason: "EXPIRED", apiKey: refusedKey });
    expect((await setup(keyOf({ revokedAt: 0 })).verifier.verify(`Bearer ${issued.secret}`)).ok).toBe(false);
  });

  it("a session is its member's principal with the role's grants, until it ends or expires", async () => {
    expect(await setup().verifier.verify(`Bearer ${session.secret}`)).toEqual({
      ok: true,
      principal: {
        kind: "MEMBER",
        workspaceId: "ws-1",
        memberId: "m-1",
        role: MemberRole.ADMIN,
        sessionId: "s-1",
        sessionExpiresAt: new Date(NOW + 60_000),
        grants: ALL_GRANTS,
      },
    });
    const security = await setup(keyOf(), sessionOf({ role: MemberRole.SECURITY })).verifier.verify(`Bearer ${session.secret}`);
    expect(security.ok && security.principal?.grants).toBe(NO_GRANTS);
    expect(await setup(keyOf(), sessionOf({ endedAt: new Date(NOW) })).verifier.verify(`Bearer ${session.secret}`)).toEqual({
      ok: false,
      reason: "REVOKED",
    });
    const { verifier, clock } = setup();
    clock.advance(59_999);
    expect((await verifier.verify(`Bearer ${session.secret}`)).ok).toBe(true);
    clock.advance(1);
    expect(await verifier.verify(`Bearer ${session.secret}`)).toEqual({ ok: false, reason: "EXPIRED" });
    expect(await setup(keyOf(), null).verifier.verify(`Bearer ${session.secret}`)).toEqual({ ok: false, reason: "INVALID" });
  });

  it("unknown tokens lock the address: then its tokens are refused with RATE_LIMITED before any look-up", async () => {
    const { verifier, looked } = setup(keyOf(), sessionOf(), false, 2);
    const guess = () => `Bearer ${issueApiKeySecret().secret}`;
    expect(await verifier.verify(guess(), "203.0.113.7")).toEqual({ ok: false, reason: "INVALID" });
    expect(await verifier.verify(guess(), "203.0.113.7")).toEqual({ ok: false, reason: "INVALID" }); // the second locks
    const before = looked.length;
    await expect(verifier.verify(guess(), "203.0.113.7")).rejects.toMatchObject({
      message: "Too many unknown tokens from this address; retry after 30 s",
      extensions: { code: "RATE_LIMITED", retryAfter: 30 },
    });
    await expect(verifier.verify(`Bearer ${session.secret}`, "203.0.113.7")).rejects.toMatchObject({
      extensions: { code: "RATE_LIMITED" },
    });
    expect(looked.length).toBe(before);
    expect((await verifier.verify(guess(), "203.0.113.8")).ok).toBe(false); // another address is not locked
  });

  it("a token verified before the lock keeps working from the locked address", async () => {
    const { verifier } = setup(keyOf(), sessionOf(), false, 1);
    expect((await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.7")).ok).toBe(true);
    expect((await verifier.verify(`Bearer ${session.secret}`, "203.0.113.7")).ok).toBe(true);
    expect((await verifier.verify(`Bearer ${issueApiKeySecret().secret}`, "203.0.113.7")).ok).toBe(false); // locks
    expect((await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.7")).ok).toBe(true);
    expect((await verifier.verify(`Bearer ${session.secret}`, "203.0.113.7")).ok).toBe(true);
  });

  it("a guess that races the lock is refused with the lock's time; revoked or expired tokens are not guesses", async () => {
    const { verifier } = setup(keyOf({ revokedAt: NOW }), sessionOf({ endedAt: new Date(NOW) }), false, 1);
    for (let i = 0; i < 3; i++) expect((await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.7")).ok).toBe(false);
    for (let i = 0; i < 3; i++) expect((await verifier.verify(`Bearer ${session.secret}`, "203.0.113.7")).ok).toBe(false);
    // An unknown token counted while the address is (already) locked answers the lock's time.
    const store = new MemoryGuessStore({ limit: 1, windowSeconds: 60, lockSeconds: 30 });
    const clock = new ManualClock(new Date(NOW));
    const racing = new TokenGuessThrottle(clock, store);
    racing.admit = () => 0; // admitted before the lock began
    const raced = new Verifier({ get: async () => null }, { get: async () => null }, clock, racing);
    expect((await raced.verify(`Bearer ${issueApiKeySecret().secret}`, "203.0.113.9")).ok).toBe(false);
    await expect(raced.verify(`Bearer ${issueApiKeySecret().secret}`, "203.0.113.9")).rejects.toMatchObject({
      extensions: { code: "RATE_LIMITED", retryAfter: 30 },
    });
  });

  it("only a token that verified is remembered as valid: a revoked one is refused like any other from a locked address", async () => {
    const { verifier } = setup(keyOf({ revokedAt: NOW }), sessionOf(), false, 1);
    expect((await verifier.verify(`Bearer ${issued.secret}`, "203.0.113.7")).ok).toBe(false);
    expect((await verifier.verify(`Bearer ${issueApiKeySecret().secret}`, "203.0.113.7")).ok).toBe(false); // locks
    await expect(verifier.verify(`Bearer ${issued.secret}`, "203.0.113.7")).rejects.toMatchObject({ extensions: { code: "RATE_LIMITED" } });
  });

  it("without a throttle or an address, unknown tokens are only INVALID", async () => {
    const { bare, verifier } = setup();
    for (let i = 0; i < 5; i++)
      expect(await bare.verify(`Bearer ${issueApiKeySecret().secret}`, "203.0.113.7")).toEqual({ ok: false, reason: "INVALID" });
    for (let i = 0; i < 5; i++)
      expect(await verifier.verify(`Bearer ${issueApiKeySecret().secret}`)).toEqual({ ok: false, reason: "INVALID" });
    expect((await bare.verify(`Bearer ${issued.secret}`)).ok).toBe(true);
  });
});

describe("passwords", () => {
  it("are stored as scrypt with their own cost, salt and key, and verify only with the same password", async () => {
    const stored = await hashPassword("correct horse", 4);
    const [scheme, n, r, p, salt, key] = stored.split("$");
    expect([scheme, n, r, p]).toEqual(["scrypt", "4", "8", "1"]);
    expect(Buffer.from(salt, "base64")).toHaveLength(16);
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    expect(await hashPassword("correct horse", 4)).not.toBe(stored);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("correct horsE", stored)).toBe(false);
    expect(await verifyPassword("correct horse", stored.replace(/\$4\$/, "$5$"))).toBe(false);
  });

  it("compare passwords in NFKC, so the same text typed two ways is the same password", async () => {
    const stored = await hashPassword("ﬁle caf\u00e9", 4);
    expect(await verifyPassword("file cafe\u0301", stored)).toBe(true);
  });

  it("refuse a stored value of another scheme, without a key, or with a key of another length", async () => {
    const stored = await hashPassword("pw", 4);
    expect(await verifyPassword("pw", stored.replace(/^scrypt/, "bcrypt"))).toBe(false);
    expect(await verifyPassword("pw", stored.slice(0, stored.lastIndexOf("$") + 1))).toBe(false);
    expect(await verifyPassword("pw", "scrypt$4$8$1$c2FsdA==")).toBe(false);
    expect(await verifyPassword("pw", `${stored.slice(0, stored.lastIndexOf("$") + 1)}${Buffer.alloc(16).toString("base64")}`)).toBe(false);
  });

  it("allow the memory a high cost needs (2^16 is above Node's default ceiling)", async () => {
    await expect(hashPassword("pw", 16)).resolves.toMatch(/^scrypt\$16\$8\$1\$/);
  });
});
