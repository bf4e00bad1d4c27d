import { buildSchema, parse, OperationDefinitionNode } from "graphql";
import { getVariableValues } from "graphql/execution/values";
import { fieldsOfVariableError } from "../../src/server/guards/variable-errors";

const schema = buildSchema(`
  enum Role { ADMIN SECURITY }
  input Inner { role: Role! count: Int }
  input Outer { name: String! inner: Inner list: [Inner!] }
  type Query { q(input: Outer!, first: Int): Int }
`);
const operation = parse(`query($input: Outer!, $first: Int) { q(input: $input, first: $first) }`).definitions[0] as OperationDefinitionNode;

/** graphql-js's own message for these variables, as Apollo would pass it on. */
function messageFor(variables: Record<string, unknown>): string {
  const result = getVariableValues(schema, operation.variableDefinitions!, variables, { maxErrors: 1 });
  if (!("errors" in result) || !result.errors) throw new Error("expected a coercion error");
  return result.errors[0].message;
}

it.each([
  ["a wrong enum deep inside", { input: { name: "n", inner: { role: "ROOT" } } }, "input.inner.role"],
  ["a wrong type at the top", { input: { name: 5 } }, "input.name"],
  ["an unknown field", { input: { name: "n", admin: true } }, "input.admin"],
  ["a missing required field", { input: { inner: { role: "ADMIN" } } }, "input.name"],
  ["a list item", { input: { name: "n", list: [{ role: "ADMIN" }, { role: 7 }] } }, "input.list[1].role"],
  ["a missing variable", {}, "input"],
  ["a non-integer Int", { input: { name: "n" }, first: 1.5 }, "first"],
])("%s is named by its path", (_label, variables, field) => {
  expect(fieldsOfVariableError(messageFor(variables))?.map((f) => f.field)).toEqual([field]);
});

it("a message that is not about a variable yields nothing", () => {
  expect(fieldsOfVariableError("Something else went wrong")).toBeNull();
});
