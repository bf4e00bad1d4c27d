import { createContext, useContext } from "react";
import type { Client } from "graphql-ws";

export type Role = "ADMIN" | "SECURITY";

export interface Member {
  id: string;
  email: string;
  role: Role;
}

/** What every signed-in page reads: who is signed in, the HTTP caller and the live socket. */
export interface SessionValue {
  member: Member;
  workspaceName: string;
  call<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  live: Client;
  /** Counts (re)connections of the live socket, so pages can re-read what they missed. */
  liveGeneration: number;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside a signed-in page");
  return value;
}

// sessionStorage: the token survives a reload of this tab but never outlives it, and is never
// sent by the browser on its own (no cookie) nor shared with other tabs (no localStorage).
const TOKEN_KEY = "grantql.console.session";

export const tokenStore = {
  read: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  write: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};
