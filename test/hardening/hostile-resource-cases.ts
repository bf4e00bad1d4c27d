import { randomUUID } from "node:crypto";
import { accepted, badInput, Case, CorpusContext, Expectation, HOSTILE_STRINGS, CONTROL, characters, textOutcome } from "./hostile-cases";
import { Answer, post, send } from "./hostile-support";

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { id firstName email } }`;
const CREATE_LEAD = `mutation($input: CreateLeadInput!) { createLead(input: $input) { id name score } }`;
const CREATE_CALL = `mutation($input: CreateCallInput!) { createCall(input: $input) { id fromNumber } }`;
const CREATE_INTEGRATION = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { id name config } }`;
const CONTACTS = `query($filter: ContactFilter, $first: Int, $after: String) { contacts(filter: $filter, first: $first, after: $after) { totalCount } }`;

/** One line, not blank, at most `max` characters; stored trimmed. */
const shortTextBroken = (max: number) => (s: string) => CONTROL.test(s) || s.trim() === "" || characters(s) > max;

/** Reads one field of a record back by id, as stored. */
async function readBack(ctx: CorpusContext, type: string, id: string, field: string): Promise<unknown> {
  const answer = await post(ctx.url, `query($id: ID!) { ${type}(id: $id) { ${field} } }`, { id }, ctx.admin.token);
  expect(answer.json?.errors).toBeUndefined();
  return answer.json?.data[type][field];
}

const stored = (type: string, field: string, value: unknown) =>
  accepted(async (d, ctx) => {
    const created = Object.values(d)[0] as Record<string, unknown> & { id: string };
    expect(created[field]).toEqual(value);
    expect(await readBack(ctx, type, created.id, field)).toEqual(value);
  });

/**
 * The contacts whose "firstName lastName" holds `text` (trimmed, any case; blank: every contact),
 * from what is stored, against what the filter answers.
 */
function filtersAsStored(text: string): Expectation {
  return accepted(async (d, ctx) => {
    const all = await post(ctx.url, "{ contacts(first: 100) { totalCount nodes { id firstName lastName } } }", {}, ctx.admin.token);
    const contacts = all.json?.data.contacts as { totalCount: number; nodes: { id: string; firstName: string; lastName: string | null }[] };
    expect(contacts.totalCount).toBeLessThanOrEqual(100);
    const needle = text.trim().toLowerCase();
    const ids = contacts.nodes.filter((c) => `${c.firstName} ${c.lastName ?? ""}`.toLowerCase().includes(needle)).map((c) => c.id);
    expect(d.contacts.totalCount).toBe(ids.length);
    expect(d.contacts.nodes.map((n: { id: string }) => n.id).sort()).toEqual(ids.sort());
  });
}

type Input = [
  input: string,
  run: (ctx: CorpusContext, s: string) => Promise<Answer>,
  expect: (label: string, s: string) => Expectation,
  write?: boolean,
];

/**
 * The resource operations (contacts, leads, calls, integrations) under the same hostile strings and
 * malformed typed arguments as the member and key operations. An ADMIN holds every grant, so any
 * refusal here is about the input, not the permission.
 */
export function resourceCases(): Case[] {
  const cases: Case[] = [];
  const call = (ctx: CorpusContext, fromNumber: string) =>
    post(
      ctx.url,
      CREATE_CALL,
      { input: { agentId: ctx.agentId, direction: "INBOUND", fromNumber, toNumber: "+14155550123" } },
      ctx.admin.token,
    );
  const config = (ctx: CorpusContext, value: unknown) =>
    post(ctx.url, CREATE_INTEGRATION, { input: { provider: "WEBHOOK", name: "Hook", config: value } }, ctx.admin.token);
  const inputs: Input[] = [
    [
      "createContact firstName",
      (ctx, s) => post(ctx.url, CREATE_CONTACT, { input: { firstName: s } }, ctx.admin.token),
      (label, s) => textOutcome(label, "input.firstName", shortTextBroken(100)(s), stored("contact", "firstName", s.trim())),
    ],
    [
      "createContact email",
      (ctx, s) => post(ctx.url, CREATE_CONTACT, { input: { firstName: "Ada", email: s } }, ctx.admin.token),
      // None of the hostile strings is an e-mail address: each one is refused.
      (label) => textOutcome(label, "input.email", true, badInput("input.email")),
    ],
    [
      "createLead name",
      (ctx, s) => post(ctx.url, CREATE_LEAD, { input: { name: s } }, ctx.admin.token),
      (label, s) => textOutcome(label, "input.name", shortTextBroken(200)(s), stored("lead", "name", s.trim())),
    ],
    // Not one of them is an E.164 number either; the agent is real, so fromNumber is the one bad field.
    ["createCall fromNumber", call, (label) => textOutcome(label, "input.fromNumber", true, badInput("input.fromNumber"))],
    [
      "createIntegration name",
      (ctx, s) => post(ctx.url, CREATE_INTEGRATION, { input: { provider: "WEBHOOK", name: s } }, ctx.admin.token),
      (label, s) => textOutcome(label, "input.name", shortTextBroken(100)(s), stored("integration", "name", s.trim())),
    ],
    [
      "createIntegration config value",
      (ctx, s) => config(ctx, { url: s }),
      // Config values are data, kept as sent (a 10,000-character one is within 16 KiB).
      (label, s) => textOutcome(label, "input.config.url", false, stored("integration", "config", { url: s })),
    ],
    [
      "contacts filter nameContains",
      (ctx, s) =>
        post(
          ctx.url,
          "query($filter: ContactFilter) { contacts(filter: $filter, first: 100) { totalCount nodes { id } } }",
          { filter: { nameContains: s } },
          ctx.admin.token,
        ),
      (label, s) => textOutcome(label, "filter.nameContains", CONTROL.test(s) || characters(s) > 200, filtersAsStored(s)),
      false,
    ],
  ];
  for (const [input, run, expectation, write = true] of inputs) {
    for (const [label, value] of HOSTILE_STRINGS) {
      cases.push({ name: `${input} = ${label}`, write, run: (ctx) => run(ctx, value), expect: expectation(label, value) });
    }
  }
  // LIKE's own wildcards and escape character match themselves, nothing more.
  const [, search] = inputs.find(([i]) => i === "contacts filter nameContains")!;
  for (const [label, value] of [
    ["a percent sign", "%"],
    ["an underscore", "_"],
    ["a backslash", "\\"],
  ]) {
    cases.push({ name: `contacts filter nameContains = ${label}`, run: (ctx) => search(ctx, value), expect: filtersAsStored(value) });
  }
  cases.push(...limitCases(inputs, call, config));
  // Status 400: refused while coercing the variables; 200: by the resource rules at execution.
  const typed: [string, string, Record<string, unknown>, Expectation][] = [
    [
      "createCall with a non-UUID agentId",
      CREATE_CALL,
      { input: { agentId: "agent-1", direction: "INBOUND", fromNumber: "+14155550123", toNumber: "+14155550124" } },
      badInput("input.agentId"),
    ],
    [
      "createCall with an unknown agentId",
      CREATE_CALL,
      { input: { agentId: randomUUID(), direction: "INBOUND", fromNumber: "+14155550123", toNumber: "+14155550124" } },
      badInput("input.agentId"),
    ],
    [
      "createCall with direction SIDEWAYS",
      CREATE_CALL,
      { input: { agentId: randomUUID(), direction: "SIDEWAYS", fromNumber: "+1", toNumber: "+1" } },
      badInput("input.direction", 400),
    ],
    [
      "createCall with startedAt in words",
      CREATE_CALL,
      {
        input: {
          agentId: randomUUID(),
          direction: "INBOUND",
          fromNumber: "+14155550123",
          toNumber: "+14155550124",
          startedAt: "last tuesday",
        },
      },
      badInput("input.startedAt", 400),
    ],
    ["createLead with score 0", CREATE_LEAD, { input: { name: "L", score: 0 } }, stored("lead", "score", 0)],
    ["createLead with score 100", CREATE_LEAD, { input: { name: "L", score: 100 } }, stored("lead", "score", 100)],
    ["createLead with score -1", CREATE_LEAD, { input: { name: "L", score: -1 } }, badInput("input.score")],
    ["createLead with score 101", CREATE_LEAD, { input: { name: "L", score: 101 } }, badInput("input.score")],
    ["createLead with score 2^31", CREATE_LEAD, { input: { name: "L", score: 2 ** 31 } }, badInput("input.score", 400)],
    ["createLead with status WON", CREATE_LEAD, { input: { name: "L", status: "WON" } }, badInput("input.status", 400)],
    [
      "createLead with another workspace's id as contactId",
      CREATE_LEAD,
      { input: { name: "L", contactId: randomUUID() } },
      badInput("input.contactId"),
    ],
    [
      "createIntegration with config as an array",
      CREATE_INTEGRATION,
      { input: { provider: "WEBHOOK", name: "I", config: [1, 2] } },
      badInput("input.config"),
    ],
    [
      "createIntegration with config of 100 KB",
      CREATE_INTEGRATION,
      { input: { provider: "WEBHOOK", name: "I", config: { blob: "x".repeat(100_000) } } },
      badInput("input.config"),
    ],
    ["createIntegration with provider FAX", CREATE_INTEGRATION, { input: { provider: "FAX", name: "I" } }, badInput("input.provider", 400)],
    ["contacts with first 100", CONTACTS, { first: 100 }, accepted((d) => expect(d.contacts.totalCount).toBeGreaterThan(0))],
    ["contacts with first -1", CONTACTS, { first: -1 }, badInput("first")],
    ["contacts with first 101", CONTACTS, { first: 101 }, badInput("first")],
    ["contacts with a forged cursor", CONTACTS, { after: Buffer.from('["x","y"]').toString("base64url") }, badInput("after")],
    ["contacts with createdFrom not a date", CONTACTS, { filter: { createdFrom: "yesterday" } }, badInput("filter.createdFrom", 400)],
  ];
  for (const [label, query, variables, expectation] of typed) {
    cases.push({
      name: label,
      write: query !== CONTACTS,
      run: (ctx) => post(ctx.url, query, variables, ctx.admin.token),
      expect: expectation,
    });
  }
  // Built by hand: JSON.stringify itself overflows on this depth, and PostgreSQL's jsonb would too.
  const deep = `{"query":${JSON.stringify(CREATE_INTEGRATION)},"variables":{"input":{"provider":"WEBHOOK","name":"Deep","config":{"a":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}}}}`;
  cases.push({
    name: "createIntegration with config nested 5000 deep",
    write: true,
    run: (ctx) =>
      send(ctx.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ctx.admin.token}` },
        body: deep,
      }),
    expect: badInput("input.config", 400),
  });
  return cases;
}

/** Both sides of each limit the resource inputs have: the last value accepted and the first refused. */
function limitCases(
  inputs: Input[],
  call: (ctx: CorpusContext, fromNumber: string) => Promise<Answer>,
  config: (ctx: CorpusContext, value: unknown) => Promise<Answer>,
): Case[] {
  const cases: Case[] = [];
  const lengths: [string, number][] = [
    ["createContact firstName", 100],
    ["createLead name", 200],
    ["createIntegration name", 100],
    ["contacts filter nameContains", 200],
  ];
  for (const [name, max] of lengths) {
    const [input, run, expectation, write = true] = inputs.find(([i]) => i === name)!;
    for (const length of [max, max + 1]) {
      const value = "n".repeat(length);
      cases.push({
        name: `${input} of ${length} characters`,
        write,
        run: (ctx) => run(ctx, value),
        expect: expectation(`${length}`, value),
      });
    }
  }
  const email = (length: number) =>
    `${"l".repeat(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(length - 64 - 1 - 63 - 1 - 63 - 1 - 5)}.test`;
  for (const length of [254, 255]) {
    cases.push({
      name: `createContact email of ${length} characters`,
      write: true,
      run: (ctx) => post(ctx.url, CREATE_CONTACT, { input: { firstName: "Ada", email: email(length) } }, ctx.admin.token),
      expect: length === 254 ? stored("contact", "email", email(254)) : badInput("input.email"),
    });
  }
  // E.164: a + and at most 15 digits.
  for (const [number, expectation] of [
    ["+123456789012345", stored("call", "fromNumber", "+123456789012345")],
    ["+1234567890123456", badInput("input.fromNumber")],
  ] as const) {
    cases.push({
      name: `createCall fromNumber of ${number.length - 1} digits`,
      write: true,
      run: (ctx) => call(ctx, number),
      expect: expectation,
    });
  }
  // 16 KiB of JSON as the server writes it back out, and 10 levels with the config itself as the
  // first and a value as the last: 9 nested objects around a value (the path too deep is named).
  const blob = (bytes: number) => ({ blob: "x".repeat(bytes - JSON.stringify({ blob: "" }).length) });
  const nested = (levels: number): unknown => (levels === 1 ? { a: 1 } : { a: nested(levels - 1) });
  const configs: [string, unknown, string | null][] = [
    ["of 16 KiB", blob(16 * 1024), null],
    ["of 16 KiB + 1 byte", blob(16 * 1024 + 1), "input.config"],
    ["of 10 levels", nested(9), null],
    ["of 11 levels", nested(10), `input.config${".a".repeat(10)}`],
  ];
  for (const [label, value, refusedField] of configs) {
    cases.push({
      name: `createIntegration with config ${label}`,
      write: true,
      run: (ctx) => config(ctx, value),
      expect: refusedField === null ? stored("integration", "config", value) : badInput(refusedField),
    });
  }
  return cases;
}
