import { randomUUID } from "node:crypto";
import { dataOf, gql } from "./client";

export const PASSWORD = "correct horse battery staple";

export interface SignedUp {
  token: string;
  memberId: string;
  workspaceId: string;
  email: string;
}

export function uniqueEmail(tag = "admin"): string {
  return `${tag}-${randomUUID().slice(0, 12)}@example.test`;
}

export async function signUp(url: string, workspaceName = "Acme"): Promise<SignedUp> {
  const email = uniqueEmail();
  const data = dataOf(
    await gql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { token member { id } workspace { id } } }`, {
      input: { workspaceName, email, password: PASSWORD },
    }),
  );
  return { token: data.signUp.token, memberId: data.signUp.member.id, workspaceId: data.signUp.workspace.id, email };
}

export async function createMember(url: string, adminToken: string, role: "ADMIN" | "SECURITY"): Promise<SignedUp> {
  const email = uniqueEmail(role.toLowerCase());
  const created = dataOf(
    await gql(
      url,
      `mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }`,
      { input: { email, password: PASSWORD, role } },
      adminToken,
    ),
  );
  const session = dataOf(
    await gql(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token workspace { id } } }`, {
      e: email,
      p: PASSWORD,
    }),
  );
  return { token: session.signIn.token, memberId: created.createMember.id, workspaceId: session.signIn.workspace.id, email };
}

export interface PermissionSpec {
  resource: string;
  read?: boolean;
  write?: boolean;
}

export interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
}

export async function createKey(
  url: string,
  adminToken: string,
  permissions: PermissionSpec[] = [{ resource: "CALLS", read: true }],
  extra: Record<string, unknown> = {},
): Promise<CreatedKey> {
  const data = dataOf(
    await gql(
      url,
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix } } }`,
      { input: { name: "Test key", permissions, ...extra } },
      adminToken,
    ),
  );
  return { id: data.createApiKey.apiKey.id, secret: data.createApiKey.secret, prefix: data.createApiKey.apiKey.prefix };
}
