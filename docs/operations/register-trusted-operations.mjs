#!/usr/bin/env node
// A build step: registers the .graphql documents a client ships as the workspace's trusted
// operations, and writes the manifest (name → id) the client sends ids from.
//   GRANTQL_URL=https://api.example.com/graphql GRANTQL_ADMIN_TOKEN=gqs_… \
//     node register-trusted-operations.mjs src/operations/*.graphql > trusted-operations.json
// Each file must hold one operation and is sent exactly as read: the id is the SHA-256 of these
// bytes, so the client must send the same bytes (or just the id).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const url = process.env.GRANTQL_URL ?? "http://localhost:4000/graphql";
const documents = process.argv.slice(2).map((file) => readFileSync(file, "utf8"));
const response = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${process.env.GRANTQL_ADMIN_TOKEN}` },
  body: JSON.stringify({
    query: "mutation Trust($documents: [String!]!) { addTrustedOperations(documents: $documents) { id name } }",
    variables: { documents },
  }),
});
const body = await response.json();
if (body.errors) {
  // BAD_USER_INPUT names each refused document as documents.<index>, with the reason.
  for (const e of body.errors[0].extensions?.fields ?? [])
    console.error(`${process.argv[2 + Number(e.field.split(".")[1])]}: ${e.message}`);
  process.exit(1);
}
const manifest = {};
body.data.addTrustedOperations.forEach((op, i) => {
  // The server's id is the client's own hash of the same bytes.
  if (op.id !== `sha256:${createHash("sha256").update(documents[i], "utf8").digest("hex")}`) throw new Error("id mismatch");
  manifest[op.name ?? `anonymous-${i}`] = op.id;
});
console.log(JSON.stringify(manifest, null, 2));
