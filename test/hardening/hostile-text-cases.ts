import { randomUUID } from "node:crypto";
import { PASSWORD } from "../support/factories";
import {
  accepted,
  badInput,
  Case,
  CorpusContext,
  Expectation,
  HOSTILE_STRINGS,
  refused,
  TAG_LENGTH,
  CONTROL,
  characters,
  textOutcome,
} from "./hostile-cases";
import { Answer, post } from "./hostile-support";

/*
 * The text arguments of the member and key operations under the hostile strings, and both sides
 * of their length limits. Each string's one outcome follows from the rule docs/API.md states,
 * modelled below; an accepted value is read back (a password by signing in with it).
 */

export const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name permissions { resource read write } expiresAt } } }`;
export const UPDATE_KEY = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name } }`;
export const REVOKE_KEY = `mutation($id: ID!, $reason: String) { revokeApiKey(id: $id, reason: $reason) { id revocationReason } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token workspace { name } member { email } } }`;
export const CREATE_MEMBER = `mutation($input: CreateMemberInput!) { createMember(input: $input) { email role } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;
export const READ = [{ resource: "CALLS", read: true }];

const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Names (workspace, key): trimmed, 1–100 characters, one line. */
const nameBroken = (s: string) => CONTROL.test(s) || characters(s.trim()) < 1 || characters(s.trim()) > 100;
/** Passwords: 12–1,024 characters, anything else goes. */
const passwordBroken = (s: string) => characters(s) < 12 || characters(s) > 1024;

/** Signs in with what was stored: the one way to read a password back. */
async function signsIn(ctx: CorpusContext, email: string, password: string): Promise<void> {
  const answer = await post(ctx.url, SIGN_IN, { email, password });
  expect(answer.json?.errors).toBeUndefined();
  expect(answer.json?.data.signIn.token).toMatch(/^gqs_/);
}

export async function readKey(ctx: CorpusContext, id: string): Promise<{ name: string; status: string; revocationReason: string | null }> {
  const answer = await post(ctx.url, `query($id: ID!) { apiKey(id: $id) { name status revocationReason } }`, { id }, ctx.admin.token);
  return answer.json?.data.apiKey;
}

type Run = (ctx: CorpusContext, s: string, key?: { id: string }) => Promise<Answer>;
interface StringInput {
  input: string;
  run: Run;
  expect: (label: string, s: string) => Expectation;
  write?: boolean;
}

function memberInputs(): StringInput[] {
  const newEmail = (ctx: CorpusContext) => `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`;
  // No hostile string followed by the tag is an e-mail address (none has an @ before it).
  const neverAnEmail = (field: string) => (label: string) => textOutcome(label, field, true, badInput(field));
  return [
    {
      input: "signUp workspaceName",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: `${ctx.tag} ${s}`, email: newEmail(ctx), password: PASSWORD } }),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.workspaceName",
          nameBroken(`${"t".repeat(TAG_LENGTH)} ${s}`),
          accepted(async (d, ctx) => {
            const name = `${ctx.tag} ${s}`.trim();
            expect(d.signUp.workspace.name).toBe(name);
            const viewer = await post(ctx.url, "{ viewer { workspace { name } } }", {}, d.signUp.token);
            expect(viewer.json?.data.viewer.workspace.name).toBe(name);
          }),
        ),
    },
    {
      input: "signUp email",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: ctx.tag, email: `${s}${ctx.tag}`, password: PASSWORD } }),
      expect: neverAnEmail("input.email"),
    },
    {
      input: "signUp password",
      run: (ctx, s) => post(ctx.url, SIGN_UP, { input: { workspaceName: ctx.tag, email: newEmail(ctx), password: s } }),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.password",
          passwordBroken(s),
          accepted((d, ctx) => signsIn(ctx, d.signUp.member.email, s)),
        ),
    },
    {
      input: "createMember email",
      run: (ctx, s) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: `${s}${ctx.tag}`, password: PASSWORD, role: "SECURITY" } }, ctx.admin.token),
      expect: neverAnEmail("input.email"),
    },
    {
      input: "createMember password",
      run: (ctx, s) => post(ctx.url, CREATE_MEMBER, { input: { email: newEmail(ctx), password: s, role: "SECURITY" } }, ctx.admin.token),
      expect: (label, s) =>
        textOutcome(
          label,
          "input.password",
          passwordBroken(s),
          accepted(async (d, ctx) => {
            expect(d.createMember.role).toBe("SECURITY");
            await signsIn(ctx, d.createMember.email, s);
          }),
        ),
    },
  ];
}

function keyInputs(): StringInput[] {
  const storedName = (s: string) =>
    accepted(async (d, ctx) => {
      const key = d.createApiKey?.apiKey ?? d.updateApiKey;
      expect(key.name).toBe(s.trim());
      expect((await readKey(ctx, key.id)).name).toBe(s.trim());
    });
  return [
    {
      input: "createApiKey name",
      run: (ctx, s) => post(ctx.url, CREATE_KEY, { input: { name: s, permissions: READ } }, ctx.admin.token),
      expect: (label, s) => textOutcome(label, "input.name", nameBroken(s), storedName(s)),
    },
    {
      input: "updateApiKey name",
      run: (ctx, s, key) => post(ctx.url, UPDATE_KEY, { id: key!.id, input: { name: s } }, ctx.admin.token),
      expect: (label, s) => textOutcome(label, "input.name", nameBroken(s), storedName(s)),
    },
    {
      // Free text, line breaks allowed, at most 500 characters; a blank reason is no reason.
      input: "revokeApiKey reason",
      run: (ctx, s, key) => post(ctx.url, REVOKE_KEY, { id: key!.id, reason: s }, ctx.admin.token),
      expect: (label, s) =>
        textOutcome(
          label,
          "reason",
          CONTROL_BUT_LINE_BREAKS.test(s) || characters(s.trim()) > 500,
          accepted(async (d, ctx) => {
            const reason = s.trim() === "" ? null : s.trim();
            expect(d.revokeApiKey.revocationReason).toBe(reason);
            expect(await readKey(ctx, d.revokeApiKey.id)).toMatchObject({ status: "REVOKED", revocationReason: reason });
          }),
        ),
    },
    {
      input: "apiKey id",
      run: (ctx, s) => post(ctx.url, `query($id: ID!) { apiKey(id: $id) { id } }`, { id: s }, ctx.admin.token),
      expect: (label) =>
        textOutcome(
          label,
          "id",
          false,
          accepted((d) => expect(d).toEqual({ apiKey: null })),
        ),
      write: false,
    },
    ...["apiKeys", "auditLog"].map((list) => ({
      input: `${list} after`,
      run: (ctx: CorpusContext, s: string) =>
        post(ctx.url, `query($after: String) { ${list}(after: $after) { totalCount } }`, { after: s }, ctx.admin.token),
      expect: (label: string) => textOutcome(label, "after", true, badInput("after")),
      write: false,
    })),
    // Whatever is sent, a sign-in that does not match is 401, and unstorable text is refused before.
    ...(["email", "password"] as const).map((field) => ({
      input: `signIn ${field}`,
      run: (ctx: CorpusContext, s: string) =>
        post(ctx.url, SIGN_IN, field === "email" ? { email: s, password: PASSWORD } : { email: ctx.admin.email, password: s }),
      expect: (label: string) => textOutcome(label, field, false, refused(401, "UNAUTHENTICATED")),
    })),
  ];
}

export function hostileStringCases(): Case[] {
  const cases: Case[] = [];
  for (const { input, run, expect: expectation, write = true } of [...memberInputs(), ...keyInputs()]) {
    for (const [label, value] of HOSTILE_STRINGS) {
      cases.push({
        name: `${input} = ${label}`,
        write,
        prepare: input.startsWith("updateApiKey") || input.startsWith("revokeApiKey") ? (ctx) => ctx.freshKey() : undefined,
        run: (ctx, key) => run(ctx, value, key),
        expect: expectation(label, value),
      });
    }
  }
  return cases;
}

/** Both sides of each text limit of members and keys: the last value accepted and the first refused. */
export function textLimitCases(): Case[] {
  const cases: Case[] = [];
  const passwords: [string, string][] = [
    ["11 characters", "p".repeat(11)],
    ["12 characters (the minimum)", "p".repeat(12)],
    ["1,024 characters (the maximum)", "p".repeat(1024)],
    ["1,025 characters", "p".repeat(1025)],
    // Characters are code points: 1,024 emoji are 2,048 UTF-16 units and still within the limit.
    ["1,024 emoji", "🔑".repeat(1024)],
    ["1,025 emoji", "🔑".repeat(1025)],
  ];
  for (const input of memberInputs().filter((i) => i.input.endsWith("password"))) {
    for (const [label, value] of passwords) {
      cases.push({
        name: `${input.input} of ${label}`,
        write: true,
        run: (ctx) => input.run(ctx, value),
        expect: input.expect(label, value),
      });
    }
  }
  const workspaceName = (ctx: CorpusContext, length: number) => `${ctx.tag} ${"w".repeat(length - TAG_LENGTH - 1)}`;
  for (const length of [100, 101]) {
    cases.push({
      name: `signUp workspaceName of ${length} characters`,
      write: true,
      run: (ctx) =>
        post(ctx.url, SIGN_UP, {
          input: {
            workspaceName: workspaceName(ctx, length),
            email: `${ctx.tag}-${randomUUID().slice(0, 8)}@example.test`,
            password: PASSWORD,
          },
        }),
      expect:
        length === 100
          ? accepted((d, ctx) => expect(d.signUp.workspace.name).toBe(workspaceName(ctx, 100)))
          : badInput("input.workspaceName"),
    });
  }
  // 254 characters is the longest address a mail system delivers: a 64-character local part, labels of 63.
  const email = (ctx: CorpusContext, length: number) =>
    `${ctx.tag}${"l".repeat(64 - TAG_LENGTH)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(length - 64 - 1 - 63 - 1 - 63 - 1 - 5)}.test`;
  for (const length of [254, 255]) {
    cases.push({
      name: `createMember email of ${length} characters`,
      write: true,
      run: (ctx) =>
        post(ctx.url, CREATE_MEMBER, { input: { email: email(ctx, length), password: PASSWORD, role: "SECURITY" } }, ctx.admin.token),
      expect: length === 254 ? accepted((d, ctx) => expect(d.createMember.email).toBe(email(ctx, 254))) : badInput("input.email"),
    });
  }
  const revoke = keyInputs().find((i) => i.input === "revokeApiKey reason")!;
  for (const length of [500, 501]) {
    const reason = "r".repeat(length);
    cases.push({
      name: `revokeApiKey reason of ${length} characters`,
      write: true,
      prepare: (ctx) => ctx.freshKey(),
      run: (ctx, key) => revoke.run(ctx, reason, key),
      expect: revoke.expect(`${length} characters`, reason),
    });
  }
  return cases;
}
