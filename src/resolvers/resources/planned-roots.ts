import { getNamedType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { collectFields } from "graphql/execution/collectFields";
import { getArgumentValues } from "graphql/execution/values";
import type { ClassType } from "type-graphql";
import type { CreatedRoot, ReadOperation, RootRead } from "../../resources/read-path";
import type { ResourceServices } from "../../resources/resource-services";
import type { ResourceRecord } from "../../resources/resource-definition";
import type { ResourceService } from "../../resources/resource.service";

/** A root field of Query the read path answers: a resource's list or its by-id read. */
interface PlannedRoot {
  kind: "list" | "one";
  type: string;
  service: keyof Omit<ResourceServices, "reads">;
  filter?: ClassType;
}

/** Query's resource fields, by name: registered by the resource resolvers' factory. */
const ROOTS = new Map<string, PlannedRoot>();

export function registerPlannedRoot(field: string, root: PlannedRoot): void {
  ROOTS.set(field, root);
}

/** A resource's create mutation (`createCall`): the resource's service and the input class type-graphql hands it. */
export interface PlannedCreate {
  type: string;
  service: keyof Omit<ResourceServices, "reads">;
  input: ClassType;
}

/** Mutation's create fields, by name: registered by the resource resolvers' factory. */
const CREATES = new Map<string, PlannedCreate>();

export function registerPlannedCreate(field: string, create: PlannedCreate): void {
  CREATES.set(field, create);
}

export function plannedCreate(field: string): PlannedCreate | undefined {
  return CREATES.get(field);
}

/**
 * A create as `createX` answers it — its resolver, and the HTTP and socket answer that runs it
 * without graphql-js (`planned-response.ts`): the record written and its selection `root` read in
 * the statement that inserts it (`ReadPath.inserted`, with `oneStatement` passed on), or read after
 * the write when the service cannot do both at once.
 */
export function createAndRead(
  resources: ResourceServices,
  service: keyof Omit<ResourceServices, "reads">,
  selection: ReadOperation,
  workspaceId: string,
  root: CreatedRoot,
  input: Record<string, unknown>,
  oneStatement = false,
): Promise<unknown> {
  return (resources[service] as unknown as ResourceService<ResourceRecord>).createAndRead(
    workspaceId,
    input,
    (insert) => resources.reads.inserted(selection, workspaceId, root, insert, oneStatement),
    (id) => resources.reads.field(selection, workspaceId, { ...root, kind: "one", id }),
  );
}

/**
 * Per request (its context): the refusal a create met when answered without graphql-js
 * (`planned-response.ts`), for its resolver to answer as its own, so the create is not run twice:
 * refused, its one statement (when it ran) wrote nothing.
 */
const createRefusals = new WeakMap<object, { error: unknown }>();

export function holdCreateRefusal(context: object, error: unknown): void {
  createRefusals.set(context, { error });
}

/** The refusal held for this request's create, once: its resolver throws it. */
export function takeCreateRefusal(context: object): { error: unknown } | undefined {
  const held = createRefusals.get(context);
  createRefusals.delete(context);
  return held;
}

/** Per operation without variables (the same on every request): its planned root fields, checked once. */
const constantRoots = new WeakMap<object, Promise<{ roots: RootRead[]; complete: boolean }>>();

/**
 * The root fields of a query operation as the read path plans them, all in one statement: every
 * resource list and by-id read, and `__typename`. `complete` is false when some root field is
 * anything else (it runs its own resolver) or its arguments are refused (its resolver answers the
 * refusal): such fields are left out.
 */
export function plannedRoots(
  schema: GraphQLSchema,
  selection: ReadOperation,
  resources: ResourceServices,
): Promise<{ roots: RootRead[]; complete: boolean }> {
  if (selection.operation.variableDefinitions?.length) return collectRoots(schema, selection, resources);
  let cached = constantRoots.get(selection.operation);
  if (!cached) {
    cached = collectRoots(schema, selection, resources);
    constantRoots.set(selection.operation, cached);
  }
  return cached;
}

async function collectRoots(
  schema: GraphQLSchema,
  selection: ReadOperation,
  resources: ResourceServices,
): Promise<{ roots: RootRead[]; complete: boolean }> {
  const roots: RootRead[] = [];
  let complete = true;
  const query = schema.getQueryType();
  if (selection.operation.operation !== "query" || !query) return { roots, complete: false };
  const fields = collectFields(schema, selection.fragments, selection.variableValues, query, selection.operation.selectionSet);
  for (const [key, fieldNodes] of fields) {
    const name = fieldNodes[0].name.value;
    if (name === "__typename") {
      roots.push({ kind: "typename", key, fieldNodes, returnType: query });
      continue;
    }
    const planned = ROOTS.get(name);
    const field = query.getFields()[name];
    if (!planned || !field) {
      complete = false;
      continue;
    }
    const returnType = getNamedType(field.type) as GraphQLObjectType;
    try {
      const args = getArgumentValues(field, fieldNodes[0], selection.variableValues);
      if (planned.kind === "one") {
        roots.push({ kind: "one", type: planned.type, id: args.id as string, key, fieldNodes, returnType });
        continue;
      }
      const service = resources[planned.service] as unknown as ResourceService<ResourceRecord>;
      // As type-graphql hands the resolver its input: an instance of the filter's class, which carries its rules.
      const filter = args.filter && planned.filter ? Object.assign(new planned.filter(), args.filter) : (args.filter ?? null);
      const checked = await service.checkListArgs({ first: args.first as number | null, after: args.after as string | null, filter });
      roots.push({ kind: "list", type: planned.type, args: checked, key, fieldNodes, returnType });
    } catch {
      complete = false;
    }
  }
  return { roots, complete };
}

/** Per request and operation, the planned root fields read together (see plannedRoots). */
const batches = new WeakMap<object, Promise<Map<string, unknown>>>();

/**
 * The value of the root field `info` names, read with every other planned root field of the
 * operation in one statement (the first root resolver to run starts it); undefined when this field
 * was left out of it (its arguments are refused: its own resolver answers).
 */
export async function plannedRootValue(context: object, info: GraphQLResolveInfo, resources: ResourceServices, workspaceId: string) {
  let batch = batches.get(context);
  if (!batch) {
    batch = plannedRoots(info.schema, info, resources).then(async ({ roots }) => {
      const reads = roots.filter((root) => root.kind !== "typename");
      if (reads.length === 0) return new Map<string, unknown>();
      const planned = await resources.reads.read(info, workspaceId, reads);
      const data = JSON.parse(planned.text) as Record<string, unknown>;
      planned.post?.(data);
      return new Map(Object.entries(data));
    });
    batches.set(context, batch);
  }
  return (await batch).get(info.path.key as string);
}
