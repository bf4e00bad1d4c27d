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
  signedOutToken: string;
  /** A new ACTIVE key of the admin's workspace, for cases that change one. */
  freshKey(): Promise<{ id: string; secret: string }>;
}

/**
 * `codes`: the code a refusal must carry; `fields`: what `extensions.fields` must name;
 * `success`: the case may also succeed, and then this checks the data; `status`: exact HTTP status.
 */
export interface Expectation {
  status?: number | number[];
  codes?: string[];
  fields?: string[];
  success?: (data: any) => void;
}

export interface Case {
  name: string;
  /** Set-up that may write (such as a fresh key), done before the "nothing changed" snapshot. */
  prepare?(ctx: CorpusContext): Promise<{ id: string; secret: string }>;
  run(ctx: CorpusContext, prepared?: { id: string; secret: string }): Promise<Answer>;
  /** A mutation: when refused, nothing may have been written. */
  write?: boolean;
  expect?: Expectation;
}

/** Strings that have broken other systems: injection, markup, encodings, sizes. */
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
