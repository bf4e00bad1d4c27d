import { DocumentNode, FragmentDefinitionNode, GraphQLSchema, Kind, OperationDefinitionNode } from "graphql";
import { plannedRoots } from "../resolvers/resources/planned-roots";
import type { Services } from "../services";
import { operationCost } from "./guards/query-cost";
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
  if (!(result.data instanceof SplicedData)) return JSON.stringify(result);
  const text = JSON.stringify({ ...result, data: PLACEHOLDER });
  const at = text.indexOf(PLACEHOLDER_JSON);
  return text.slice(0, at) + result.data.text + text.slice(at + PLACEHOLDER_JSON.length);
}

/**
 * The answer of a query the read path covers fully — every root field a resource list or by-id
 * read (or `__typename`), their arguments accepted — as the `data` text PostgreSQL built, in one
 * statement; null for anything else (graphql-js executes it, and its resolvers answer errors as
 * the API does). Runs after the operation is checked and allowed. Sets the request's actual cost
 * when it `wantsActualCost`.
 */
export async function plannedResponse(
  schema: GraphQLSchema,
  services: Services,
  request: RequestState,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Promise<SplicedData | null> {
  const principal = request.principal;
  if (!principal || operation.operation !== "query" || !request.variables) return null;
  // `{ __typename }` and the like: nothing to read.
  if (operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value === "__typename")) return null;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const selection = { schema, fragments, variableValues: request.variables, operation };
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
