import { dataOf, gql } from "../support/client";

/** One resource as the tests drive it: names, a valid create input, a valid update, a bad create input. */
export interface ResourceCase {
  type: string;
  one: string;
  many: string;
  /** `Resource` enum value of its grants. */
  resource: string;
  /** A selection of its own fields (no relations). */
  fields: string;
  /** A valid create input; `ctx.token` may be used to create what it refers to. */
  create(url: string, token: string): Promise<Record<string, unknown>>;
  update: Record<string, unknown>;
  /** A create input with several bad fields, and the paths that must be named. */
  bad(url: string, token: string): Promise<{ input: Record<string, unknown>; fields: string[] }>;
}

export async function createAgent(url: string, token: string, input: Record<string, unknown> = {}): Promise<string> {
  return dataOf(
    await gql(url, `mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }`, { i: { name: "Ava", ...input } }, token),
  ).createAgent.id;
}

export async function createRecord(url: string, token: string, type: string, input: Record<string, unknown>): Promise<string> {
  return dataOf(await gql(url, `mutation($i: Create${type}Input!) { create${type}(input: $i) { id } }`, { i: input }, token))[
    `create${type}`
  ].id;
}

export const RESOURCE_CASES: ResourceCase[] = [
  {
    type: "Agent",
    one: "agent",
    many: "agents",
    resource: "AGENTS",
    fields: "id name language voice prompt status createdAt updatedAt",
    create: async () => ({ name: "  Ava  ", voice: "alloy", prompt: "Be kind.\nBe brief." }),
    update: { status: "PAUSED", voice: null },
    bad: async () => ({
      input: { name: " ", language: "english please", voice: "x".repeat(101), prompt: "a\u0007b" },
      fields: ["input.language", "input.name", "input.prompt", "input.voice"],
    }),
  },
  {
    type: "Contact",
    one: "contact",
    many: "contacts",
    resource: "CONTACTS",
    fields: "id firstName lastName email phone company createdAt updatedAt",
    create: async () => ({ firstName: "Grace", lastName: "Hopper", email: "grace@example.test", phone: "+14155550123", company: "Navy" }),
    update: { company: null, phone: "+442071838750" },
    bad: async () => ({
      input: { firstName: "Gr\u0007ace", email: "not-an-email", phone: "0044 20 7183 8750" },
      fields: ["input.email", "input.firstName", "input.phone"],
    }),
  },
  {
    type: "Lead",
    one: "lead",
    many: "leads",
    resource: "LEADS",
    fields: "id name email phone status source score notes createdAt updatedAt",
    create: async (url, token) => ({
      name: "Big deal",
      score: 80,
      source: "web",
      contactId: await createRecord(url, token, "Contact", { firstName: "Ada" }),
    }),
    update: { status: "QUALIFIED", score: 100, notes: "Call back Monday" },
    bad: async () => ({
      input: { name: "Deal", score: 101, email: "a@", phone: "+0123", contactId: "not-a-uuid" },
      fields: ["input.contactId", "input.email", "input.phone", "input.score"],
    }),
  },
  {
    type: "Call",
    one: "call",
    many: "calls",
    resource: "CALLS",
    fields: "id direction status fromNumber toNumber startedAt endedAt durationSeconds summary createdAt",
    create: async (url, token) => ({
      agentId: await createAgent(url, token),
      direction: "INBOUND",
      fromNumber: "+14155550123",
      toNumber: "+14155550199",
      startedAt: "2026-01-01T10:00:00.000Z",
      endedAt: "2026-01-01T10:01:30.900Z",
    }),
    update: { status: "COMPLETED", summary: "Booked a demo" },
    bad: async (url, token) => ({
      input: {
        agentId: await createAgent(url, token),
        direction: "OUTBOUND",
        fromNumber: "555-1234",
        toNumber: "+1415555019912345678",
        startedAt: "2026-01-01T10:00:00Z",
        endedAt: "2026-01-01T09:00:00Z",
      },
      fields: ["input.endedAt", "input.fromNumber", "input.toNumber"],
    }),
  },
  {
    type: "KnowledgeBaseDocument",
    one: "knowledgeBaseDocument",
    many: "knowledgeBaseDocuments",
    resource: "KNOWLEDGE_BASE",
    fields: "id title content sourceUrl createdAt updatedAt",
    create: async (url, token) => ({
      title: "Pricing",
      content: "Plans start at $10.",
      sourceUrl: "https://example.test/pricing",
      agentIds: [await createAgent(url, token)],
    }),
    update: { title: "Pricing 2026", sourceUrl: null },
    bad: async () => ({
      input: {
        title: "t".repeat(301),
        content: "ok",
        sourceUrl: "ftp://example.test/x",
        agentIds: ["00000000-0000-4000-8000-000000000000"],
      },
      fields: ["input.agentIds", "input.sourceUrl", "input.title"],
    }),
  },
  {
    type: "Integration",
    one: "integration",
    many: "integrations",
    resource: "INTEGRATIONS",
    fields: "id provider name enabled config createdAt updatedAt",
    create: async () => ({ provider: "SLACK", name: "Slack", config: { channel: "#sales" } }),
    update: { enabled: false, config: { channel: "#support" } },
    bad: async () => ({ input: { provider: "WEBHOOK", name: "", config: [1, 2] }, fields: ["input.config", "input.name"] }),
  },
];

/** Every grant of every resource, for a key that may do anything. */
export const ALL_PERMISSIONS = ["CALLS", "LEADS", "AGENTS", "CONTACTS", "KNOWLEDGE_BASE", "INTEGRATIONS"]
  .map((resource) => ({ resource, read: true, write: true }))
  .concat([{ resource: "ANALYTICS", read: true, write: false }]);

export async function totalOf(url: string, token: string, many: string): Promise<number> {
  return dataOf(await gql(url, `{ ${many}(first: 0) { totalCount } }`, {}, token))[many].totalCount;
}
