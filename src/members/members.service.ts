import { DataSource, EntityManager } from "typeorm";
import { AuditService } from "../audit/audit.service";
import { hashPassword, verifyPassword } from "../auth/password";
import { MemberPrincipal } from "../auth/principal";
import { SessionRecord } from "../auth/verifier";
import { issueSessionSecret } from "../auth/token";
import { Clock } from "../common/clock";
import { keysetPage, Page, PageArgs } from "../common/pagination";
import { rowsByIds } from "../common/rows-by-ids";
import { badUserInput, forbidden, rateLimited, unauthenticated } from "../common/errors";
import { atLeast, atMost, EMAIL, follow, NAME, readText } from "../common/rules";
import { FieldErrors } from "../common/validation";
import { AuditAction } from "../entities/audit-entry.entity";
import { MemberSessionEntity } from "../entities/member-session.entity";
import { MemberRole } from "../auth/member-role";
import { MemberEntity } from "../entities/member.entity";
import { WorkspaceEntity } from "../entities/workspace.entity";
import type { SignInThrottle } from "../throttles/sign-in-throttle";
import type { Logger } from "../logger";

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

export interface SessionResult {
  token: string;
  expiresAt: Date;
  member: MemberEntity;
  workspace: WorkspaceEntity;
}

export interface SignUpInput {
  workspaceName: string;
  email: string;
  password: string;
}

export interface ClientMeta {
  ip?: string;
}

export interface MembersOptions {
  signupEnabled: boolean;
  sessionTtlSeconds: number;
  scryptCost: number;
  /** Receives refused sign-ins that are not audited (unknown e-mail, throttled). */
  logger?: Logger;
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

function checkEmail(errors: FieldErrors, field: string, email: string): void {
  follow(errors, field, email.trim(), EMAIL);
}

function checkPassword(errors: FieldErrors, field: string, password: string): void {
  follow(errors, field, password, [atLeast(MIN_PASSWORD_LENGTH), atMost(MAX_PASSWORD_LENGTH)]);
}

/** What `createMember` says of a taken e-mail, wherever it is registered: nothing about other workspaces. */
const EMAIL_UNUSABLE = "cannot be used for a new member; choose another address";

function refuseEmail(field: string, message: string): never {
  throw badUserInput([{ field, message }]);
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === "23505";
}

/** People: workspaces with their members, passwords and sign-in sessions. */
export class MembersService {
  /** Compared against when an e-mail is unknown, so a failed sign-in takes as long either way. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly options: MembersOptions,
    /** Slows and locks repeated failures; absent in tools such as the CLI that do not sign in. */
    private readonly throttle?: SignInThrottle,
  ) {}

  /** Counted once toward the address's sign-in limit: its "already registered" answer tells whether an e-mail exists. */
  async signUp(input: SignUpInput, meta: ClientMeta = {}): Promise<SessionResult> {
    if (!this.options.signupEnabled) throw forbidden("Sign-up is disabled on this server; ask an operator for an account");
    await this.countEmailProbe(meta);
    return this.createWorkspace(input, { fieldPrefix: "input.", openSession: true }) as Promise<SessionResult>;
  }

  /**
   * A workspace and its first ADMIN, in one transaction. The CLI uses it without a session and
   * with bare field names; `signUp` with a session and `input.` paths.
   */
  async createWorkspace(
    input: SignUpInput,
    { fieldPrefix = "", openSession = false }: { fieldPrefix?: string; openSession?: boolean } = {},
  ): Promise<{ workspace: WorkspaceEntity; member: MemberEntity; token?: string; expiresAt?: Date }> {
    const errors = new FieldErrors();
    const workspaceName = readText(errors, `${fieldPrefix}workspaceName`, input.workspaceName, NAME);
    checkEmail(errors, `${fieldPrefix}email`, input.email);
    checkPassword(errors, `${fieldPrefix}password`, input.password);
    errors.throwIfAny();
    const passwordHash = await hashPassword(input.password, this.options.scryptCost);
    return this.uniqueEmail(`${fieldPrefix}email`, () =>
      this.db.transaction(async (manager) => {
        const workspace = await manager.save(manager.create(WorkspaceEntity, { name: workspaceName, createdAt: this.clock.now() }));
        const member = await this.insertMember(manager, workspace.id, input.email, passwordHash, MemberRole.ADMIN, null);
        const session = openSession ? await this.openSession(manager, member) : {};
        return { ...session, member, workspace };
      }),
    );
  }

  /**
   * E-mails are unique across workspaces, so whether one can be added tells whether it is taken
   * anywhere: the answer says only that it cannot be used (never where it is registered), each
   * attempt counts toward the address's sign-in limit as a sign-up does, and the password is
   * hashed (scrypt's memory and time) only for an address that is free.
   */
  async createMember(
    actor: MemberPrincipal,
    input: { email: string; password: string; role: MemberRole },
    meta: ClientMeta = {},
  ): Promise<MemberEntity> {
    await this.countEmailProbe(meta);
    const errors = new FieldErrors();
    checkEmail(errors, "input.email", input.email);
    checkPassword(errors, "input.password", input.password);
    errors.throwIfAny();
    if (await this.db.getRepository(MemberEntity).existsBy({ emailKey: emailKey(input.email) })) refuseEmail("input.email", EMAIL_UNUSABLE);
    const passwordHash = await hashPassword(input.password, this.options.scryptCost);
    return this.uniqueEmail(
      "input.email",
      () =>
        this.db.transaction((manager) =>
          this.insertMember(manager, actor.workspaceId, input.email, passwordHash, input.role, actor.memberId),
        ),
      EMAIL_UNUSABLE,
    );
  }

  /** An answer that tells whether an e-mail is registered: counted once toward the address's limit, refused while it must wait. */
  private async countEmailProbe(meta: ClientMeta): Promise<void> {
    const wait = (await this.throttle?.countEmailProbe(meta.ip)) ?? 0;
    if (wait > 0) throw rateLimited(wait, "Too many sign-in and sign-up attempts from this address");
  }

  async signIn(email: string, password: string, meta: ClientMeta): Promise<SessionResult> {
    const member = typeof email === "string" ? await this.db.getRepository(MemberEntity).findOneBy({ emailKey: emailKey(email) }) : null;
    const throttleKey = emailKey(String(email)).slice(0, 254);
    // Reserved (counted) before the password is checked, so simultaneous guesses cannot all pass.
    const wait = (await this.throttle?.reserve(throttleKey, meta.ip)) ?? 0;
    if (wait > 0) {
      // Refused before the password is checked, the same way for known and unknown e-mails; not
      // audited, or a caller could flood the trail for free (the request log and metrics count it).
      this.options.logger?.info({ ip: meta.ip ?? null, retryAfterSeconds: wait }, "sign-in refused: too many failed attempts");
      throw rateLimited(wait, "Too many failed sign-in attempts");
    }
    this.dummyHash ??= hashPassword("not a real password", this.options.scryptCost);
    const ok = member
      ? await verifyPassword(password, member.passwordHash)
      : await verifyPassword(password, await this.dummyHash).then(() => false);
    if (!member || !ok) {
      // A member's failed attempt goes to its workspace's trail; an unknown e-mail has no trail to go to.
      if (member) await this.auditFailedSignIn(member, throttleKey, meta);
      else this.options.logger?.info({ ip: meta.ip ?? null }, "sign-in refused: unknown e-mail");
      throw unauthenticated("INVALID", "invalid email or password");
    }
    await this.throttle?.succeeded(throttleKey, meta.ip);
    return this.db.transaction(async (manager) => {
      const session = await this.openSession(manager, member);
      await this.audit.record(manager, {
        workspaceId: member.workspaceId,
        action: AuditAction.SIGNED_IN,
        actorId: member.id,
        targetId: member.id,
        details: { ip: meta.ip ?? null },
      });
      const workspace = await manager.findOneByOrFail(WorkspaceEntity, { id: member.workspaceId });
      return { ...session, member, workspace };
    });
  }

  /** A member's failed sign-in, in the member's workspace; never the password. */
  private async auditFailedSignIn(member: MemberEntity, email: string, meta: ClientMeta): Promise<void> {
    await this.db.transaction((manager) =>
      this.audit.record(manager, {
        workspaceId: member.workspaceId,
        action: AuditAction.SIGN_IN_FAILED,
        actorId: null,
        targetId: member.id,
        details: { email, ip: meta.ip ?? null },
      }),
    );
  }

  /** Ends the session at once; the token is refused from the next request on. */
  async signOut(actor: MemberPrincipal): Promise<boolean> {
    await this.db.getRepository(MemberSessionEntity).update({ id: actor.sessionId }, { endedAt: this.clock.now() });
    return true;
  }

  /** One statement: the session with its member's role, for verification. */
  async findSession(digest: string): Promise<SessionRecord | null> {
    const rows: {
      session_id: string;
      member_id: string;
      workspace_id: string;
      role: MemberRole;
      expires_at: Date;
      ended_at: Date | null;
    }[] = await this.db.query(
      `SELECT s.id AS session_id, m.id AS member_id, m.workspace_id, m.role, s.expires_at, s.ended_at
           FROM member_session s JOIN member m ON m.id = s.member_id
          WHERE s.digest = $1`,
      [digest],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      sessionId: row.session_id,
      memberId: row.member_id,
      workspaceId: row.workspace_id,
      role: row.role,
      expiresAt: row.expires_at,
      endedAt: row.ended_at,
    };
  }

  /** Newest first, keyset-paginated on (createdAt, id) like the keys. */
  async list(workspaceId: string, page: PageArgs): Promise<Page<MemberEntity>> {
    const query = this.db.getRepository(MemberEntity).createQueryBuilder("m").where("m.workspace_id = :workspaceId", { workspaceId });
    return keysetPage(query, page, "createdAt");
  }

  membersByIds(workspaceId: string, ids: readonly string[]): Promise<MemberEntity[]> {
    return rowsByIds(this.db, MemberEntity, "m", workspaceId, ids);
  }

  async workspace(workspaceId: string): Promise<WorkspaceEntity> {
    return this.db.getRepository(WorkspaceEntity).findOneByOrFail({ id: workspaceId });
  }

  private async insertMember(
    manager: EntityManager,
    workspaceId: string,
    email: string,
    passwordHash: string,
    role: MemberRole,
    actorId: string | null,
  ): Promise<MemberEntity> {
    const member = await manager.save(
      manager.create(MemberEntity, {
        workspaceId,
        email: email.trim(),
        emailKey: emailKey(email),
        passwordHash,
        role,
        createdAt: this.clock.now(),
      }),
    );
    await this.audit.record(manager, {
      workspaceId,
      action: AuditAction.MEMBER_CREATED,
      actorId: actorId ?? member.id,
      targetId: member.id,
      details: { email: member.email, role },
    });
    return member;
  }

  private async openSession(manager: EntityManager, member: MemberEntity): Promise<{ token: string; expiresAt: Date }> {
    const { secret, digest } = issueSessionSecret();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlSeconds * 1000);
    await manager.insert(MemberSessionEntity, { workspaceId: member.workspaceId, memberId: member.id, digest, createdAt: now, expiresAt });
    return { token: secret, expiresAt };
  }

  /** Which of these member sessions are still open (not signed out); expiry is checked by the caller. */
  async openSessionsIn(sessionIds: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id::text AS id FROM member_session WHERE id = ANY($1::uuid[]) AND ended_at IS NULL`,
      [sessionIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async uniqueEmail<T>(field: string, work: () => Promise<T>, message = "is already registered"): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) refuseEmail(field, message);
      throw error;
    }
  }
}
