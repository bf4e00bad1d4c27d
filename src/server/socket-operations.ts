import { randomUUID } from "node:crypto";
import {
  DocumentNode,
  execute,
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  getOperationAST,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import { LRUCache } from "lru-cache";
import type { WebSocket } from "ws";
import { ErrorCode, operationResolutionFailure, overLimit } from "../common/errors";
import type { SentOperation } from "./guards/persisted-operation";
import { QueryLimits, toClientErrors } from "./guards/query-limits";
import type { Services } from "../services";
import type { GraphQLContext } from "../resolvers/common/context";
import { buildContext } from "./context";
import { plannedResponse } from "./planned-response";
import { asGraphQLError } from "./format-error";
import { requestOutcome } from "./request-outcome";
import { RequestPipeline, RequestState } from "./request-pipeline";

export const WS_UNAUTHORIZED = 4401;

/** What a socket carries between its operations: set at connection_init. */
export interface SocketState {
  socket: WebSocket;
  authorization?: unknown;
  ip?: string;
  /** This socket's operations that have not reached their outcome yet, by id. */
  requests?: Map<string, RequestState>;
  /** This socket's running subscriptions' contexts, by id: where each one's queue is found. */
  live?: Map<string, GraphQLContext>;
}

/**
 * Each operation over a socket, through the request pipeline: admitted, parsed and validated with
 * HTTP's limits, checked, formatted, and finished with one outcome. Queries and mutations run
 * while their `subscribe` message is handled, so that an answer HTTP would send with an error
 * status (401, 403, 429, 503 …) goes out as an `error` message with the same code.
 */
export class SocketOperations {
  private readonly documents = new LRUCache<string, DocumentNode>({ max: 1000 });
  private readonly rules: QueryLimits["validationRules"];
  // Results of operations already run, handed to graphql-ws when it asks to execute them.
  private readonly executed = new WeakMap<object, ExecutionResult>();
  // Query and mutation results whose size was checked before they were handed to graphql-ws.
  private readonly measured = new WeakSet<ExecutionResult>();
  // Each list of errors goes through the formatter once (it logs internal errors).
  private readonly formatted = new WeakMap<readonly GraphQLError[], GraphQLFormattedError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly services: Services,
    private readonly pipeline: RequestPipeline,
    private readonly limits: QueryLimits,
    /** WS_MAX_SUBSCRIPTIONS_PER_SOCKET: operations one socket may hold open at once. */
    private readonly maxOperations: number,
  ) {
    this.rules = [...specifiedRules, ...limits.validationRules];
  }

  /** graphql-ws `execute`: the result of an operation already run, else a subscription's source. */
  readonly execute = (args: ExecutionArgs) => this.executed.get(args) ?? execute(args);

  /**
   * graphql-ws `onSubscribe`: the arguments to run, or the refusal to send as an `error` message.
   * `open` counts the socket's open operations, this one included.
   */
  async subscribe(
    socket: SocketState,
    id: string,
    payload: SubscribePayload,
    open: number,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const request = this.pipeline.start(
      "ws",
      { requestId: randomUUID(), ip: socket.ip },
      { query: payload.query, operationName: payload.operationName ?? undefined },
    );
    socket.requests ??= new Map();
    socket.requests.set(id, request);
    try {
      // Authenticated again at each operation: the session may have ended since the socket opened.
      await this.pipeline.admit(request, socket.authorization);
    } catch (error) {
      const refusal = asGraphQLError(error);
      if (refusal.extensions?.code === ErrorCode.UNAUTHENTICATED)
        socket.socket.close(WS_UNAUTHORIZED, `Unauthorized: ${String(refusal.extensions.reason)}`);
      return [refusal];
    }
    if (open > this.maxOperations)
      return [
        overLimit(`Too many operations open on this socket: at most ${this.maxOperations}; complete one first`, "OPERATIONS_PER_SOCKET"),
      ];
    try {
      // The id look-up and the key's trusted operations, as over HTTP; the text it names is what is parsed.
      const text = await this.pipeline.resolveDocument(request, payload as SubscribePayload & SentOperation);
      const source = this.operation({ ...payload, query: text ?? "" });
      if (Array.isArray(source)) return source;
      this.pipeline.checkOperation(request, source.document, source.operation, payload.variables);
      const spending = this.pipeline.spend(request);
      if (spending) await spending;
      const args = {
        schema: this.schema,
        document: source.document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: buildContext(request, this.services, this.pipeline.checkDocument),
      };
      if (source.operation.operation === "subscription") {
        socket.live ??= new Map();
        socket.live.set(id, args.contextValue);
        return args;
      }
      // A query the read path covers fully, or a create: the `data` text PostgreSQL built, spliced into the `next` message when sent.
      const spliced = await plannedResponse(this.schema, this.services, request, source.document, source.operation, args.contextValue);
      const executed: ExecutionResult = spliced ? { data: spliced as never } : await execute(args);
      const status = executed.errors ? statusOf(executed.errors, this.formatOnce(executed.errors), 200) : 200;
      const settling = this.pipeline.settle(request, spliced ? undefined : executed.data);
      const cost = settling instanceof Promise ? await settling : settling;
      const refunding = this.pipeline.refund(request, status);
      if (refunding) await refunding;
      const result = cost ? { ...executed, extensions: { ...executed.extensions, cost } } : executed;
      if (result.errors && status >= 400) return result.errors;
      // Over the bound, the answer is refused as HTTP refuses it: an `error` message, status 400.
      const tooLarge = this.pipeline.responses.check(this.asSent(result));
      if (tooLarge) return [tooLarge];
      this.measured.add(result);
      this.executed.set(args, result);
      return args;
    } catch (error) {
      return [asGraphQLError(error)];
    }
  }

  /** graphql-ws `onError`: the refusal as the client sees it, and the operation's outcome. */
  error(socket: SocketState, id: string, errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    const list = this.formatOnce(errors);
    this.finish(socket, id, list, statusOf(errors, list));
    return list;
  }

  /** graphql-ws `onOperation`: a subscription whose stream started has its outcome now. */
  started(socket: SocketState, id: string, result: unknown): boolean {
    if (!isStream(result)) return false; // a single result: its outcome is read when it is sent
    this.finish(socket, id, [], 200);
    return true;
  }

  /**
   * graphql-ws `onNext`: a result with its errors formatted, and, when the subscriber's queue lost
   * payloads just before this one, `extensions.dropped`; the first result gives a query its
   * outcome. A subscription's event over the size bound is sent as that refusal instead.
   */
  next(socket: SocketState, id: string, result: ExecutionResult): FormattedExecutionResult | undefined {
    const list = result.errors ? this.formatOnce(result.errors) : undefined;
    this.finish(socket, id, list, 200);
    const dropped = socket.live?.get(id)?.live?.droppedBeforeLast() ?? 0;
    const tooLarge = !this.measured.has(result) && this.pipeline.responses.check(this.asSent(result));
    if (tooLarge) return { errors: [this.pipeline.format(tooLarge)], ...(dropped > 0 && { extensions: { dropped } }) };
    if (dropped > 0) return { ...result, errors: list, extensions: { ...result.extensions, dropped } };
    return list ? { ...result, errors: list } : undefined;
  }

  /** graphql-ws `onComplete`: the subscription's context is let go. */
  completed(socket: SocketState, id: string): void {
    socket.live?.delete(id);
  }

  /** The result as the client receives it: its errors through the formatter. */
  private asSent(result: ExecutionResult): FormattedExecutionResult {
    return result.errors ? { ...result, errors: this.formatOnce(result.errors) } : result;
  }

  private finish(socket: SocketState, id: string, errors: GraphQLFormattedError[] | undefined, status: number): void {
    const request = socket.requests?.get(id);
    socket.requests?.delete(id);
    if (request) this.pipeline.finish(request, errors, status);
  }

  private formatOnce(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    let list = this.formatted.get(errors);
    if (!list) {
      list = errors.map((error) => this.pipeline.format(error));
      this.formatted.set(errors, list);
    }
    return list;
  }

  /**
   * The message's document parsed and validated with HTTP's rules and limits (graphql-ws has no
   * validation-rule option of its own), cached by text as Apollo does; or the errors, coded as
   * Apollo codes them.
   */
  private operation(payload: SubscribePayload): GraphQLError[] | { document: DocumentNode; operation: OperationDefinitionNode } {
    let document = this.documents.get(payload.query);
    if (!document) {
      try {
        document = parse(payload.query, this.limits.parseOptions);
      } catch (error) {
        return toClientErrors([error as GraphQLError], ErrorCode.GRAPHQL_PARSE_FAILED, this.limits.hideSchemaDetails);
      }
      const errors = validate(this.schema, document, this.rules);
      if (errors.length > 0) return toClientErrors(errors, ErrorCode.GRAPHQL_VALIDATION_FAILED, this.limits.hideSchemaDetails);
      this.documents.set(payload.query, document);
    }
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [operationResolutionFailure(payload.operationName)];
    return { document, operation };
  }
}

/**
 * The status HTTP would answer these errors with: 503 when the formatter read an outage, else an
 * error's own status (429, 401 …), else `otherwise` — 200 for an executed result, as Apollo
 * answers it; for a refusal before execution, what its code says.
 */
function statusOf(errors: readonly GraphQLError[], list: GraphQLFormattedError[], otherwise?: number): number {
  const own = errors.map((e) => (e.extensions?.http as { status?: number } | undefined)?.status).find((status) => status !== undefined);
  return requestOutcome(list, own ?? otherwise).status;
}

function isStream(result: unknown): boolean {
  return typeof result === "object" && result !== null && Symbol.asyncIterator in result;
}
