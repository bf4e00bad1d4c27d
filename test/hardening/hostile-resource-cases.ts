import { randomUUID } from "node:crypto";
import { Case, CorpusContext, HOSTILE_STRINGS } from "./hostile-cases";
import { Answer, post, send } from "./hostile-support";

const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { id firstName } }`;
const CREATE_LEAD = `mutation($input: CreateLeadInput!) { createLead(input: $input) { id name score } }`;
const CREATE_CALL = `mutation($input: CreateCallInput!) { createCall(input: $input) { id } }`;
const CREATE_INTEGRATION = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { id name } }`;
const CONTACTS = `query($filter: ContactFilter, $first: Int, $after: String) { contacts(filter: $filter, first: $first, after: $after) { totalCount } }`;

const same = (sent: string) => (received: string) => expect([sent, sent.trim()]).toContain(received);

/**
 * The resource operations (contacts, leads, calls, integrations) under the same hostile strings and
 * malformed typed arguments as the member and key operations. An ADMIN holds every grant, so any
 * refusal here is about the input, not the permission.
 */
export function resourceCases(): Case[] {
  const cases: Case[] = [];
  const inputs: [string, (ctx: CorpusContext, s: string) => Promise<Answer>, string, ((s: string) => (d: any) => void)?, boolean?][] = [
    [
      "createContact firstName",
      (ctx, s) => post(ctx.url, CREATE_CONTACT, { input: { firstName: s } }, ctx.admin.token),
      "input.firstName",
      (s) => (d) => same(s)(d.createContact.firstName),
    ],
    [
      "createContact email",
      (ctx, s) => post(ctx.url, CREATE_CONTACT, { input: { firstName: "Ada", email: s } }, ctx.admin.token),
      "input.email",
      () => () => undefined,
    ],
    [
      "createLead name",
      (ctx, s) => post(ctx.url, CREATE_LEAD, { input: { name: s } }, ctx.admin.token),
      "input.name",
      (s) => (d) => same(s)(d.createLead.name),
    ],
    [
      "createCall fromNumber",
      (ctx, s) =>
        post(
          ctx.url,
          CREATE_CALL,
          { input: { agentId: randomUUID(), direction: "INBOUND", fromNumber: s, toNumber: "+14155550123" } },
          ctx.admin.token,
        ),
      "input.fromNumber",
    ],
    [
      "createIntegration name",
      (ctx, s) => post(ctx.url, CREATE_INTEGRATION, { input: { provider: "WEBHOOK", name: s } }, ctx.admin.token),
      "input.name",
      (s) => (d) => same(s)(d.createIntegration.name),
    ],
    [
      "createIntegration config value",
      (ctx, s) => post(ctx.url, CREATE_INTEGRATION, { input: { provider: "WEBHOOK", name: "Hook", config: { url: s } } }, ctx.admin.token),
      "input.config.url",
      () => () => undefined,
    ],
    [
      "contacts filter nameContains",
      (ctx, s) => post(ctx.url, CONTACTS, { filter: { nameContains: s } }, ctx.admin.token),
      "filter.nameContains",
      () => (d) => expect(d.contacts.totalCount).toBeGreaterThanOrEqual(0),
      false,
    ],
  ];
  for (const [input, run, field, success, write = true] of inputs) {
    for (const [label, value] of HOSTILE_STRINGS) {
      cases.push({
        name: `${input} = ${label}`,
        write,
        run: (ctx) => run(ctx, value),
        expect: { codes: ["BAD_USER_INPUT", "NOT_FOUND"], fields: [field], success: success?.(value) },
      });
    }
  }
  const typed: [string, string, Record<string, unknown>, string[], string?][] = [
    [
      "createCall with a non-UUID agentId",
      CREATE_CALL,
      { input: { agentId: "agent-1", direction: "INBOUND", fromNumber: "+14155550123", toNumber: "+14155550124" } },
      ["BAD_USER_INPUT", "NOT_FOUND"],
    ],
    [
      "createCall with an unknown agentId",
      CREATE_CALL,
      { input: { agentId: randomUUID(), direction: "INBOUND", fromNumber: "+14155550123", toNumber: "+14155550124" } },
      ["BAD_USER_INPUT", "NOT_FOUND"],
    ],
    [
      "createCall with direction SIDEWAYS",
      CREATE_CALL,
      { input: { agentId: randomUUID(), direction: "SIDEWAYS", fromNumber: "+1", toNumber: "+1" } },
      ["BAD_USER_INPUT"],
      "input.direction",
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
      ["BAD_USER_INPUT"],
      "input.startedAt",
    ],
    ["createLead with score -1", CREATE_LEAD, { input: { name: "L", score: -1 } }, ["BAD_USER_INPUT"], "input.score"],
    ["createLead with score 101", CREATE_LEAD, { input: { name: "L", score: 101 } }, ["BAD_USER_INPUT"], "input.score"],
    ["createLead with score 2^31", CREATE_LEAD, { input: { name: "L", score: 2 ** 31 } }, ["BAD_USER_INPUT"], "input.score"],
    ["createLead with status WON", CREATE_LEAD, { input: { name: "L", status: "WON" } }, ["BAD_USER_INPUT"], "input.status"],
    [
      "createLead with another workspace's id as contactId",
      CREATE_LEAD,
      { input: { name: "L", contactId: randomUUID() } },
      ["BAD_USER_INPUT", "NOT_FOUND"],
    ],
    [
      "createIntegration with config as an array",
      CREATE_INTEGRATION,
      { input: { provider: "WEBHOOK", name: "I", config: [1, 2] } },
      ["BAD_USER_INPUT"],
      "input.config",
    ],
    [
      "createIntegration with config of 100 KB",
      CREATE_INTEGRATION,
      { input: { provider: "WEBHOOK", name: "I", config: { blob: "x".repeat(100_000) } } },
      ["BAD_USER_INPUT"],
      "input.config",
    ],
    [
      "createIntegration with provider FAX",
      CREATE_INTEGRATION,
      { input: { provider: "FAX", name: "I" } },
      ["BAD_USER_INPUT"],
      "input.provider",
    ],
    ["contacts with first -1", CONTACTS, { first: -1 }, ["BAD_USER_INPUT"], "first"],
    ["contacts with first 101", CONTACTS, { first: 101 }, ["BAD_USER_INPUT"], "first"],
    ["contacts with a forged cursor", CONTACTS, { after: Buffer.from('["x","y"]').toString("base64url") }, ["BAD_USER_INPUT"], "after"],
    ["contacts with createdFrom not a date", CONTACTS, { filter: { createdFrom: "yesterday" } }, ["BAD_USER_INPUT"], "filter.createdFrom"],
  ];
  for (const [label, query, variables, codes, field] of typed) {
    cases.push({
      name: label,
      write: query !== CONTACTS,
      run: (ctx) => post(ctx.url, query, variables, ctx.admin.token),
      expect: { codes, fields: field ? [field] : undefined },
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
    expect: { codes: ["BAD_USER_INPUT"], fields: ["input.config"] },
  });
  return cases;
}
