import { DocumentNode, Kind, OperationDefinitionNode, ValueNode, visit } from "graphql";
import type { FieldError } from "../../common/errors";
import { UNSTORABLE_TEXT } from "../../common/rules";

const MESSAGE = "must not contain NUL characters or unpaired UTF-16 surrogates";
/**
 * Far deeper than any input type or sensible JSON value nests, and far shallower than what
 * overflows a recursive walk (ours, a validator's, or PostgreSQL's jsonb parser).
 */
export const MAX_NESTING = 32;
const TOO_DEEP = `must not nest more than ${MAX_NESTING} levels deep`;

/** `top` is the path at the argument's first level (`input.config`), where a too-deep value is reported. */
type Pending = { value: unknown; path: string; depth: number; top: string };

function note(into: Map<string, FieldError>, field: string, message: string): void {
  if (!into.has(field)) into.set(field, { field, message });
}

/** Walks a variable's value without recursion, so a deeply nested hostile value cannot overflow the stack. */
function scanValue(root: unknown, rootPath: string, into: Map<string, FieldError>, rootDepth = 0): void {
  const stack: Pending[] = [{ value: root, path: rootPath, depth: rootDepth, top: rootPath }];
  while (stack.length > 0) {
    const { value, path, depth, top } = stack.pop()!;
    if (typeof value === "string") {
      if (UNSTORABLE_TEXT.test(value)) note(into, path, MESSAGE);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_NESTING) {
      note(into, top, TOO_DEEP);
      continue;
    }
    const children: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [`${path}[${i}]`, item])
      : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item]);
    for (const [childPath, item] of children)
      stack.push({ value: item, path: childPath, depth: depth + 1, top: depth === 0 ? childPath : top });
  }
}

/** Literals are bounded by the parser's token limit, so plain recursion is safe here. */
function scanNode(node: ValueNode, path: string, variables: Record<string, unknown>, into: Map<string, FieldError>, depth = 0): void {
  if (depth >= MAX_NESTING) return note(into, path, TOO_DEEP);
  switch (node.kind) {
    case Kind.STRING:
      return scanValue(node.value, path, into);
    case Kind.VARIABLE:
      return scanValue(variables[node.name.value], path, into, depth);
    case Kind.LIST:
      return node.values.forEach((item, i) => scanNode(item, `${path}[${i}]`, variables, into, depth + 1));
    case Kind.OBJECT:
      return node.fields.forEach((field) => scanNode(field.value, `${path}.${field.name.value}`, variables, into, depth + 1));
    // Stryker disable next-line all: the other kinds (numbers, enums, booleans, null) hold no text
    default:
      return;
  }
}

/** An argument as the scan reads it: its value node and its name (the path its errors start with). */
type ScannedArgument = { value: ValueNode; name: string };

/**
 * Every field argument of an operation and of the document's fragments, in the order `visit`
 * meets them, kept per operation node: Apollo hands every request with the same text the same
 * parsed document, and walking it again cost more than scanning the values (a third of a
 * `createCall`'s checks). A weak map: a document's entry goes when Apollo's cache drops it.
 */
const argumentsOf = new WeakMap<OperationDefinitionNode, { document: DocumentNode; list: ScannedArgument[] }>();

function argumentList(document: DocumentNode, operation: OperationDefinitionNode): ScannedArgument[] {
  const known = argumentsOf.get(operation);
  if (known?.document === document) return known.list;
  const list: ScannedArgument[] = [];
  const collect = (root: OperationDefinitionNode | DocumentNode) =>
    visit(root, {
      Field(field) {
        // Stryker disable next-line ArrayDeclaration: parsed fields always carry an arguments array
        for (const argument of field.arguments ?? []) list.push({ value: argument.value, name: argument.name.value });
      },
    });
  collect(operation);
  // Stryker disable next-line ConditionalExpression: the operation scanned again finds the same fields, noted once
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) collect({ kind: Kind.DOCUMENT, definitions: [definition] });
  argumentsOf.set(operation, { document, list });
  return list;
}

/**
 * Every argument string of an operation (literal or through a variable) that the database could
 * not store faithfully, and every argument value nested deeper than MAX_NESTING, named by its
 * argument path (`input.name`, `input.permissions[0].resource`, `input.config`).
 */
export function unsafeTextFields(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): FieldError[] {
  const found = new Map<string, FieldError>();
  for (const argument of argumentList(document, operation)) scanNode(argument.value, argument.name, variables ?? {}, found);
  return [...found.values()];
}
