import {
  DocumentNode,
  FragmentDefinitionNode,
  getNamedType,
  GraphQLField,
  GraphQLObjectType,
  GraphQLSchema,
  isInputObjectType,
  Kind,
  OperationDefinitionNode,
} from "graphql";
import { getArgumentValues } from "graphql/execution/values";
import { createAndRead, holdCreateRefusal, plannedCreate, plannedRoots } from "../resolvers/resources/planned-roots";
import { NotOneStatement, ReadOperation } from "../resources/read-path";
import type { Services } from "../services";
import { actualCost, operationCost } from "./guards/query-cost";
import { CostExtension } from "./guards/spend-gate";
import type { RequestState } from "./request-pipeline";

/**
 * A response's `data` as the JSON text PostgreSQL built, written into the response as it is: never
 * parsed into objects nor serialised again (see `writeResult`). It has no `toJSON`: anything that
 * writes a result must go through `writeResult`.
 */
export class SplicedData {
  constructor(readonly text: string) {}
}

/** What `writeResult` writes in place of spliced data before putting its text there. */
const PLACEHOLDER = "\u0000grantql:spliced-data";
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);
/** The spliced text last replaced by `spliceReplacer`, for the socket's send that follows it in the same tick. */
let lastSpliced: string | null = null;

/** A `JSON.stringify` replacer that writes spliced data as the placeholder (its text kept for `spliceInto`). */
export function spliceReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof SplicedData)) return value;
  lastSpliced = value.text;
  return PLACEHOLDER;
}

/** `text` written by `JSON.stringify(…, spliceReplacer)`, with the spliced data's own text in place of the placeholder. */
export function spliceInto(text: string): string {
  const spliced = lastSpliced;
  if (spliced === null) return text;
  lastSpliced = null;
  const at = text.indexOf(PLACEHOLDER_JSON);
  return at < 0 ? text : text.slice(0, at) + spliced + text.slice(at + PLACEHOLDER_JSON.length);
}

/** `JSON.stringify(result)`, with spliced data written as its text (no replacer for any other result: it would be asked of every value). */
export function writeResult(result: { data?: unknown; errors?: unknown; extensions?: unknown }): string {
  const data = result.data;
  if (!(data instanceof SplicedData)) return JSON.stringify(result);
  // The result's own fields in their order, as JSON.stringify writes them (one it writes nothing for left out), `data` as its text.
  let text = "";
  for (const [key, value] of Object.entries(result)) {
    const json: string | undefined = value === data ? data.text : key === "extensions" ? extensionsText(value) : JSON.stringify(value);
    if (json !== undefined) text += `${text ? "," : "{"}${JSON.stringify(key)}:${json}`;
  }
  return text ? `${text}}` : "{}";
}

/** `JSON.stringify(extensions)`; the `cost` alone (every answer to a key with a budget) written by its own `toText`. */
function extensionsText(extensions: unknown): string | undefined {
  const cost = (extensions as { cost?: unknown } | undefined)?.cost;
  if (!(cost instanceof CostExtension)) return JSON.stringify(extensions);
  for (const key in extensions as object) if (key !== "cost") return JSON.stringify(extensions);
  return `{"cost":${cost.toText()}}`;
}

/**
 * The answer of a query the read path covers fully — every root field a resource list or by-id
 * read (or `__typename`), their arguments accepted — as the `data` text PostgreSQL built, in one
 * statement, or of a mutation that is one resource create (`createdResponse`); null for anything
 * else (graphql-js executes it, and its resolvers answer errors as the API does). Runs after the
 * operation is checked and allowed. Sets the request's actual cost when it `wantsActualCost`.
 */
export async function plannedResponse(
  schema: GraphQLSchema,
  services: Services,
  request: RequestState,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  /** The context the operation's resolvers get, should graphql-js execute it. */
  context: object,
): Promise<SplicedData | null> {
  const principal = request.principal;
  if (!principal || !request.variables) return null;
  const selection = { schema, fragments: fragmentsOf(document), variableValues: request.variables, operation };
  if (operation.operation === "mutation") return createdResponse(services, request, context, document, selection);
  if (operation.operation !== "query") return null;
  // `{ __typename }` and the like: nothing to read.
  if (operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value === "__typename")) return null;
  let planned: Awaited<ReturnType<Services["resources"]["reads"]["read"]>>;
  try {
    const { roots, complete } = await plannedRoots(schema, selection, services.resources);
    if (!complete || roots.every((root) => root.kind === "typename")) return null;
    planned = await services.resources.reads.read(selection, principal.workspaceId, roots, request.wantsActualCost === true);
  } catch {
    // An outage or a refusal is answered by the resolvers, through the error formatter, as for any operation.
    return null;
  }
  if (planned.refused) return null;
  if (request.wantsActualCost) request.actualCost = operationCost(schema, document, operation, request.variables, planned.pageRows);
  if (planned.exact) return new SplicedData(planned.text);
  // Built another way (a masked config, a response key too long for a column name): parsed, fixed and written once.
  const data = JSON.parse(planned.text) as unknown;
  planned.post?.(data);
  return new SplicedData(JSON.stringify(data));
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  return fragments;
}

/** Per create field: whether its input holds only scalars and enums (no nested input object to convert). */
const flatInputs = new WeakMap<GraphQLField<unknown, unknown>, boolean>();

function flatInput(field: GraphQLField<unknown, unknown>): boolean {
  let flat = flatInputs.get(field);
  if (flat === undefined) {
    const input = getNamedType(field.args.find((a) => a.name === "input")?.type);
    flat = isInputObjectType(input) && Object.values(input.getFields()).every((f) => !isInputObjectType(getNamedType(f.type)));
    flatInputs.set(field, flat);
  }
  return flat;
}

/**
 * The answer of a mutation that is one resource create (`createCall(input: …) { … }`, the field
 * alone, no directive) written and read in one statement, as its resolver would answer it through
 * graphql-js (the value is what that resolver returns, and the read path's values are the API's
 * answer as they are: see `plannedResponse`), without graphql-js and type-graphql around it. Null
 * for anything else, and when the create is refused (bad input, a reference not found, an outage):
 * that statement, when it ran, wrote nothing, and the refusal is held for the resolver, which
 * answers it through graphql-js and the error formatter as for any operation, without running the
 * create again. A create that writes more than the row (`afterWrite`), or whose selection is read
 * after the write, is left to the resolver before anything is written.
 */
async function createdResponse(
  services: Services,
  request: RequestState,
  context: object,
  document: DocumentNode,
  selection: ReadOperation,
): Promise<SplicedData | null> {
  const { schema, operation, variableValues } = selection;
  const selections = operation.selectionSet.selections;
  const node = selections[0];
  if (selections.length !== 1 || node.kind !== Kind.FIELD || node.directives?.length) return null;
  const create = plannedCreate(node.name.value);
  const field = schema.getMutationType()?.getFields()[node.name.value];
  if (!create || !field || services.resources[create.service].definition.afterWrite || !flatInput(field)) return null;
  const key = node.alias?.value ?? node.name.value;
  const root = { type: create.type, key, fieldNodes: [node], returnType: getNamedType(field.type) as GraphQLObjectType };
  let value: unknown;
  try {
    const args = getArgumentValues(field, node, variableValues);
    // As type-graphql hands the resolver a flat input: an instance of its class (which carries its rules), the given fields set.
    const input = Object.assign(new create.input(), args.input) as Record<string, unknown>;
    value = await createAndRead(services.resources, create.service, selection, request.principal!.workspaceId, root, input, true);
  } catch (error) {
    if (!(error instanceof NotOneStatement)) holdCreateRefusal(context, error);
    return null;
  }
  const data = { [key]: value };
  // What `settle` would count on graphql-js's `data` (only a budget asks for it): a spliced answer has none to walk.
  if (request.wantsActualCost) request.actualCost = actualCost(schema, document, operation, variableValues, data);
  return new SplicedData(JSON.stringify(data));
}
