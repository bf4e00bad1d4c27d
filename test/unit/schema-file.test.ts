import { readFileSync } from "node:fs";
import { buildAppSchema } from "../../src/schema/build-schema";
import { printAppSchema, SCHEMA_FILE } from "../../src/schema/print-schema";

it("the committed schema.graphql is exactly what the code prints (run `npm run schema:print` after a schema change)", async () => {
  const printed = printAppSchema(await buildAppSchema());
  expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printed);
});
