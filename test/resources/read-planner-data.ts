import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { signUp, SignedUp } from "../support/factories";
import { createAgent, createRecord } from "./resource-cases";

export interface VariedWorkspace {
  admin: SignedUp;
  agents: string[];
  contacts: string[];
  calls: string[];
  documents: string[];
  integrations: string[];
}

/**
 * A workspace whose rows vary in every way the read path must render alike: null and set optional
 * fields, calls with and without both ends (durations with a fraction of a second), relations set,
 * unset and deleted, several rows created at the same millisecond (the keyset's id tie-break),
 * documents linked to several agents, and integration configs with secrets at several depths.
 */
export async function variedWorkspace(url: string, clock: ManualClock): Promise<VariedWorkspace> {
  const admin = await signUp(url);
  const t = admin.token;
  const step = () => clock.advance(1000);
  const agents: string[] = [];
  for (const [i, input] of [
    { name: "Ava" },
    { name: "Bo", voice: "alloy", prompt: "Be brief." },
    { name: "Cy", status: "PAUSED" },
    { name: "Gone" },
  ].entries()) {
    if (i !== 1) step(); // agents 0 and 1 share a created_at
    agents.push(await createAgent(url, t, input));
  }
  const contacts: string[] = [];
  for (const input of [
    { firstName: "Grace", lastName: "Hopper", email: "g@example.test" },
    { firstName: "Ada" },
    { firstName: "Radia", company: "DEC", phone: "+14155550123" },
  ]) {
    step();
    contacts.push(await createRecord(url, t, "Contact", input));
  }
  const leads: string[] = [];
  for (const [i, input] of [
    { name: "Deal", score: 80, contactId: contacts[0] },
    { name: "Lost", status: "LOST", contactId: contacts[0] },
    { name: "Loose" },
    { name: "Other", score: 0, contactId: contacts[2] },
  ].entries()) {
    if (i % 2 === 0) step();
    leads.push(await createRecord(url, t, "Lead", input));
  }
  const calls: string[] = [];
  for (let i = 0; i < 14; i++) {
    if (i % 3 !== 2) step();
    const ends =
      i % 4 === 0
        ? {}
        : { startedAt: "2026-01-01T10:00:00.000Z", endedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, 0) + i * 30_900 + 1).toISOString() };
    calls.push(
      await createRecord(url, t, "Call", {
        agentId: agents[i % 4],
        contactId: i % 5 === 0 ? null : contacts[i % 3],
        leadId: i % 2 === 0 ? leads[i % 4] : null,
        direction: i % 2 ? "INBOUND" : "OUTBOUND",
        status: ["QUEUED", "COMPLETED", "FAILED", "NO_ANSWER", "IN_PROGRESS"][i % 5],
        fromNumber: "+14155550100",
        toNumber: `+1415555${String(i).padStart(4, "0")}`,
        summary: i % 3 ? `Summary ${i}` : null,
        ...ends,
      }),
    );
  }
  const documents: string[] = [];
  for (const [title, linked] of [
    ["Pricing", [agents[0], agents[1]]],
    ["Returns", [agents[1]]],
    ["Orphan", []],
  ] as const) {
    step();
    documents.push(
      await createRecord(url, t, "KnowledgeBaseDocument", {
        title,
        content: `${title} text`,
        sourceUrl: title === "Pricing" ? "https://example.test/p" : null,
        agentIds: linked,
      }),
    );
  }
  const integrations: string[] = [];
  step();
  integrations.push(
    await createRecord(url, t, "Integration", {
      provider: "SLACK",
      name: "Team chat",
      config: { channel: "#ops", apiKey: "sk-1", nested: { token: "t", depth: [{ password: "p", keep: 1 }] } },
    }),
  );
  integrations.push(await createRecord(url, t, "Integration", { provider: "WEBHOOK", name: "Hook", enabled: false }));
  // The last agent is deleted: its calls keep a null agent.
  dataOf(await gql(url, `mutation($id: ID!) { deleteAgent(id: $id) }`, { id: agents[3] }, t));
  return { admin, agents: agents.slice(0, 3), contacts, calls, documents, integrations };
}
