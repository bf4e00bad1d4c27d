import { randomUUID } from "node:crypto";
import type { Answer } from "./hostile-support";

/** What every case may use: a workspace with an admin, a SECURITY member, keys in several states. */
export interface CorpusContext {
  url: string;
  port: number;
  wsUrl: string;
  tag: string;
  admin: { token: string; workspaceId: string; email: string };
  security: { token: string };
  key: { id: string; secret: string };
  revokedKeySecret: string;
  otherWorkspaceKeyId: string;
  /** An agent of the admin's workspace, so a call case is refused for its one bad field only. */
  agentId: string;
  signedOutToken: string;
  /** A new ACTIVE key of the admin's workspace, for cases that change one. */
  freshKey(): Promise<{ id: string; secret: string }>;
}

/**
 * The codes of the closed set (docs/API.md, "Errors") that a hostile request may get: every one
 * but the 5xx ones, which would mean the server failed.
 */
export const CLEAR_CODE_LIST = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "RATE_LIMITED",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
  "PAYLOAD_TOO_LARGE",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "PERSISTED_QUERY_NOT_FOUND",
] as const;
export type ClearCode = (typeof CLEAR_CODE_LIST)[number];

/** Marks what the corpus writes (workspace names, e-mails): `hostile` and 8 hex digits. */
export const TAG_LENGTH = 15;
export const corpusTag = (): string => `hostile${randomUUID().slice(0, 8)}`;

/**
 * A refusal: the exact HTTP status, the one code every error carries (`null`: refused below
 * GraphQL, by Node's HTTP parser, with no GraphQL answer), and for `BAD_USER_INPUT` exactly the
 * fields `extensions.fields` names.
 */
export interface Refusal {
  status: number;
  code: ClearCode | null;
  fields?: string[];
}

/** Each case has one outcome: refused as stated, or accepted (200, no errors) with what it stored checked. */
export type Expectation = { refused: Refusal } | { accepted: (data: any, ctx: CorpusContext) => unknown };

export const refused = (status: number, code: ClearCode | null, ...fields: string[]): Expectation => ({
  refused: { status, code, ...(fields.length ? { fields } : {}) },
});
/** `BAD_USER_INPUT` on `field`: 400 when refused before execution (types, unstorable text), else 200. */
export const badInput = (field: string, status = 200): Expectation => refused(status, "BAD_USER_INPUT", field);
export const accepted = (check: (data: any, ctx: CorpusContext) => unknown): Expectation => ({ accepted: check });

export interface Case {
  name: string;
  /** Set-up that may write (such as a fresh key), done before the "nothing changed" snapshot. */
  prepare?(ctx: CorpusContext): Promise<{ id: string; secret: string }>;
  run(ctx: CorpusContext, prepared?: { id: string; secret: string }): Promise<Answer>;
  /** A mutation: when refused, nothing may have been written. */
  write?: boolean;
  expect: Expectation;
}

/**
 * Strings that have broken other systems: injection, markup, encodings, sizes. The ones PostgreSQL
 * cannot store (NUL, an unpaired surrogate) are refused for every argument before execution: 400.
 */
export const UNSTORABLE = new Set(["NUL byte", "lone surrogate"]);
export const HOSTILE_STRINGS: [label: string, value: string][] = [
  ["SQL quote", "' OR '1'='1"],
  ["SQL drop", "x'); DROP TABLE api_key; --"],
  ["SQL comment", "admin'--"],
  ["SQL sleep", "1; SELECT pg_sleep(10)"],
  ["SQL union", "' UNION SELECT digest FROM api_key --"],
  ["script tag", "<script>alert(1)</script>"],
  ["img onerror", '<img src=x onerror="alert(1)">'],
  ["javascript url", "javascript:alert(document.cookie)"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as a plain string on purpose
  ["template", "{{7*7}} ${7*7} #{7*7}"],
  ["NoSQL object-ish", '{"$gt": ""}'],
  ["path traversal", "../../../../etc/passwd"],
  ["NUL byte", "name\u0000with NUL"],
  ["lone surrogate", "broken \ud800 text"],
  ["emoji", "🔑 Key 👩🏽‍💻 🚀"],
  ["right-to-left", "مفتاح \u202Eevil\u202C עברית"],
  ["zero-width", "a\u200Bb\u200Dc\uFEFF"],
  ["combining marks", "Z̴̡̛a̵͖͝l̷̰̈g̸̱̈́o̵̙͌"],
  ["CRLF", "line\r\nSet-Cookie: x=1"],
  ["only spaces", "     "],
  ["empty", ""],
  ["10k characters", "A".repeat(10_000)],
  ["percent NUL", "%00%0d%0a"],
];

/** The text rules as docs/API.md states them, modelled here to give each hostile string its one outcome. */
export const CONTROL = /[\u0000-\u001f\u007f]/;
/** Characters as the API counts them: code points. */
export const characters = (s: string): number => [...s].length;

/** A refusal on `field` when `broken`: 400 for text no column can store (refused before execution), else 200. */
export function textOutcome(label: string, field: string, broken: boolean, ok: Expectation): Expectation {
  if (UNSTORABLE.has(label)) return badInput(field, 400);
  return broken ? badInput(field) : ok;
}
