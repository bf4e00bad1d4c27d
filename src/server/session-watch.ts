import type { WebSocket } from "ws";
import type { MemberPrincipal } from "../auth/principal";
import type { Clock } from "../common/clock";
import type { Logger } from "../logger";

/** What the watch needs of the database: which of these sessions are still open. */
export type OpenSessions = (sessionIds: string[]) => Promise<Set<string>>;

export const SESSION_ENDED_CODE = 4401;

/**
 * Ends the WebSocket connections of member sessions that expired or were signed out, so a live
 * stream never outlives its credential. One timer and one batched query per tick for every
 * connection of the process; expiry is read from the injected clock, sign-out from the database.
 */
export class SessionWatch {
  private readonly sockets = new Map<WebSocket, MemberPrincipal>();
  /** Open sockets per session id, for the per-session cap. */
  private readonly perSession = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly openSessions: OpenSessions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  add(socket: WebSocket, principal: MemberPrincipal): void {
    if (this.sockets.has(socket)) return;
    this.sockets.set(socket, principal);
    this.perSession.set(principal.sessionId, this.socketsOf(principal.sessionId) + 1);
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** How many sockets of this session are open on this instance. */
  socketsOf(sessionId: string): number {
    return this.perSession.get(sessionId) ?? 0;
  }

  remove(socket: WebSocket): void {
    const principal = this.sockets.get(socket);
    if (!principal) return;
    this.sockets.delete(socket);
    const left = this.socketsOf(principal.sessionId) - 1;
    if (left > 0) this.perSession.set(principal.sessionId, left);
    else this.perSession.delete(principal.sessionId);
    if (this.sockets.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    if (this.checking || this.sockets.size === 0) return;
    this.checking = true;
    try {
      const now = this.clock.nowMs();
      for (const [socket, principal] of this.sockets) {
        if (principal.sessionExpiresAt.getTime() <= now) this.end(socket, "Unauthorized: session expired");
      }
      // Only the sockets whose sessions were asked about: one added while the query runs waits for the next tick.
      const watched = [...this.sockets];
      const ids = [...new Set(watched.map(([, p]) => p.sessionId))];
      if (ids.length === 0) return;
      const open = await this.openSessions(ids);
      for (const [socket, principal] of watched) {
        if (this.sockets.has(socket) && !open.has(principal.sessionId)) this.end(socket, "Unauthorized: signed out");
      }
    } catch (error) {
      // The database being away is not a reason to drop every stream; the next tick tries again.
      this.logger.debug({ err: error }, "session watch could not read sessions");
    } finally {
      this.checking = false;
    }
  }

  private end(socket: WebSocket, reason: string): void {
    this.remove(socket);
    socket.close(SESSION_ENDED_CODE, reason);
  }
}
