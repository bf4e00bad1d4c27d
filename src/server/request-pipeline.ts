import { performance } from "node:perf_hooks";
import { DocumentNode, GraphQLError, GraphQLFormattedError, OperationDefinitionNode } from "graphql";
import type { OperationAnalysis } from "../auth/operation-analysis";
import type { Principal } from "../auth/principal";
import { badRequest, operationNotTrusted, persistedQueryNotFound, rateLimited, unauthenticated } from "../common/errors";
import { DocumentCheck, trustedOperationId } from "../keys/trusted-operations.service";
import { checkIdForm, SentOperation, sentId, sentText } from "./guards/persisted-operation";
import { enforceAllowlist } from "./guards/allowlist-gate";
import type { ResponseSizeBound } from "./guards/response-size";
import { consumeRateLimit } from "./guards/rate-limit-gate";
import type { RateDecision } from "../throttles/rate-limiter";
import type { Services } from "../services";
import type { RequestMeta } from "../resolvers/common/context";
import type { OperationChecks } from "./operation-checks";
import { RequestOutcome, requestOutcome } from "./request-outcome";
import { CostExtension, newSpendState, refundCredit, settleCost, SpendState, spendOfPrincipal, takeSpend } from "./guards/spend-gate";

export type Transport = "http" | "ws";

/** One request (an HTTP request, or one operation or connection_init on a socket) from its start to its outcome. */
export interface RequestState {
  readonly transport: Transport;
  readonly meta: RequestMeta;
  /** The request's one timer: the log, metrics and metering all read this duration. */
  readonly started: number;
  principal: Principal | null;
  /** What the request said it was, for requests refused before their document is read. */
  readonly raw: { query?: string; operationName?: string; operationType?: string };
  /** What the operation needs, set once its input is checked and before its permissions are: a refused request is metered with it too. */
  analysis?: OperationAnalysis;
  operation?: { type: string; name: string | null };
  /** The operation's variables as execution coerces them, once its input is checked. */
  variables?: Record<string, unknown>;
  /**
   * Set before the operation runs by whatever needs `actualCost` (cost budgets): the read path
   * then counts each page's rows in its statement, which costs PostgreSQL a parse of the JSON it
   * built (see `ReadPath.read`), so it is not paid when nobody reads the figure.
   */
  wantsActualCost?: boolean;
  /**
   * The operation's actual cost: the formula of `guards/query-cost.ts` with each page's size
   * replaced by the rows it returned, summed over the parent rows returned. Set by
   * `planned-response.ts`, when `wantsActualCost`, for an answer spliced from the read path's
   * JSON text (there is no `data` object to walk); undefined for an answer graphql-js executed
   * (walk its `data`).
   */
  actualCost?: number;
  /** An expired or revoked key: stored as REJECTED, not counted as usage. */
  rejectedKey?: { id: string; workspaceId: string };
  outcome?: RequestOutcome;
  durationMs?: number;
  /** A key with a cost budget or credits, from its cost check on: the requested cost and what was taken. */
  spend?: SpendState;
}

export interface FinishedRequest extends RequestState {
  outcome: RequestOutcome;
  durationMs: number;
}

/** The permission decision: null when the principal may run the analysed operation, else the refusal. */
export type Authorize = (principal: Principal | null, analysis: OperationAnalysis) => GraphQLError | null;

/** The request log, the metrics and metering: each reads the one outcome of each request. */
export type OutcomeListener = (request: FinishedRequest) => void;

/** What a request passes before its operation is read; the benchmark entry point swaps some out. */
export interface RequestSteps {
  /** The bearer header → a principal (null without one); throws the refusal. */
  authenticate(header: unknown, request: RequestState): Promise<Principal | null>;
  /** The key's rate limit: the decision, or undefined (not a promise of it) when the caller has no limit. */
  rateLimit(principal: Principal | null): Promise<RateDecision> | undefined;
  authorize: Authorize;
  /** The text of one of the workspace's trusted operations, or null: what a request sending only its id runs. */
  trustedDocument(workspaceId: string, id: string): Promise<string | null>;
  /** The key's cost budget and credits, after its permissions; throws the refusal. Absent: nothing is taken. Undefined once taken at once. */
  spend?(request: RequestState & { spend: SpendState; principal: Principal }): Promise<void> | undefined;
  /** Once the answer is built: the unused cost given back, and the `extensions.cost` to send (at once, or a promise of it). */
  settle?(
    request: RequestState & { spend: SpendState },
    actualCost: number,
  ): CostExtension | Promise<CostExtension | undefined> | undefined;
  /** Once its status is known: the credit of an answer that was 503 given back. */
  refund?(request: RequestState & { spend: SpendState }, status: number): Promise<void>;
}

/** The production steps: the verifier, the key's limit, the permission decision, the trusted operations, the key's budget and credits. */
export function productionSteps(
  services: Pick<Services, "verifier" | "rateLimiter" | "trustedOperations" | "spends">,
  authorize: Authorize,
): RequestSteps {
  return {
    async authenticate(header, request) {
      const verification = await services.verifier.verify(header, request.meta.ip);
      if (verification.ok) return verification.principal;
      // A dead key still knocking is shown to security staff (REJECTED), though it is not usage.
      if (verification.apiKey) request.rejectedKey = verification.apiKey;
      throw unauthenticated(verification.reason);
    },
    rateLimit: (principal) => consumeRateLimit(principal, services.rateLimiter),
    authorize,
    trustedDocument: (workspaceId, id) => services.trustedOperations.document(workspaceId, id),
    spend: (request) => takeSpend(request.spend, request.principal, services.spends),
    settle: (request, actual) => settleCost(request.spend, actual, services.spends),
    refund: (request, status) => refundCredit(request.spend, status, services.spends),
  };
}

/**
 * The one request pipeline of both transports: `start` opens a request, `admit` runs the checks
 * before its operation is read (authenticate → allowlist → rate limit), `checkOperation` those once it is
 * parsed and validated (input text → variables → cost → permissions), `format` is the one error
 * formatter, `responses` bounds an answer's size, and `finish` computes the outcome once and hands
 * it to every listener.
 */
export class RequestPipeline {
  constructor(
    private readonly steps: RequestSteps,
    private readonly checks: OperationChecks,
    readonly format: (error: unknown) => GraphQLFormattedError,
    private readonly listeners: readonly OutcomeListener[],
    /** The bound on an answer's size, checked by each transport before the outcome. */
    readonly responses: ResponseSizeBound,
    /** How a document is judged before it is trusted (`addTrustedOperations`): the limits requests meet. */
    readonly checkDocument?: DocumentCheck,
  ) {}

  start(transport: Transport, meta: RequestMeta, raw: RequestState["raw"]): RequestState {
    // Every field there from the start: one shape for every request, whatever it turns out to need.
    return {
      transport,
      meta,
      started: performance.now(),
      principal: null,
      raw,
      analysis: undefined,
      operation: undefined,
      variables: undefined,
      wantsActualCost: false,
      actualCost: undefined,
      rejectedKey: undefined,
      outcome: undefined,
      durationMs: undefined,
      spend: undefined,
    };
  }

  /** Authenticates the request and counts it against its key's limit; `onRateDecision` sees the decision even when it refuses. */
  async admit(request: RequestState, header: unknown, onRateDecision?: (decision: RateDecision) => void): Promise<Principal | null> {
    request.principal = await this.steps.authenticate(header, request);
    // The key's address allowlist, between authentication and the rate limit: a refusal uses up none of the limit.
    enforceAllowlist(request.principal, request.meta.ip);
    const pending = this.steps.rateLimit(request.principal);
    const decision = pending && (await pending);
    if (decision) onRateDecision?.(decision);
    if (decision && !decision.allowed) throw rateLimited(decision.resetSeconds, undefined, "RATE_LIMIT");
    return request.principal;
  }

  /**
   * After admission, before anything is parsed: the persisted id look-up (400), then the key's
   * trusted operations (403). Returns the text to parse — the one sent, or the trusted operation an
   * id names — or undefined when the request carries neither (the parser refuses it). A key held
   * to a list runs a text only when its exact bytes hash to an id on the list: nothing else is
   * parsed, so a refusal costs no planner work.
   */
  async resolveDocument(request: RequestState, sent: SentOperation): Promise<string | undefined> {
    const text = sentText(sent);
    const id = sentId(sent);
    const principal = request.principal;
    const list = principal?.kind === "API_KEY" ? principal.trustedOperations : null;
    if (id === undefined) {
      if (list && text !== undefined && !list.has(trustedOperationId(text))) throw operationNotTrusted();
      return text;
    }
    if (text !== undefined) {
      // Both: the text runs, as long as it is the document the id names (nothing is registered from requests).
      if (trustedOperationId(text) !== id) throw badRequest("The query text does not hash to the id sent with it");
      if (list && !list.has(id)) throw operationNotTrusted();
      return text;
    }
    checkIdForm(id);
    // Without a credential there is no workspace, so no trusted operation to find (and no look-up).
    const document = principal && (await this.steps.trustedDocument(principal.workspaceId, id));
    if (!document) throw persistedQueryNotFound();
    request.raw.query = document; // metering names the operation, refused or not
    if (list && !list.has(id)) throw operationNotTrusted();
    return document;
  }

  /**
   * The checks before execution: the operation's input (a wrongly typed variable is refused
   * whatever the principal holds), then its permissions. The analysis stays on the request before
   * the permission decision, so a refused operation is metered with the resources it asked for, as
   * an allowed one is. Throws the refusal.
   */
  checkOperation(
    request: RequestState,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown> | null | undefined,
  ): OperationAnalysis {
    request.operation = { type: operation.operation, name: operation.name?.value ?? null };
    const spend = spendOfPrincipal(request.principal);
    let analysis: OperationAnalysis;
    try {
      const checked = this.checks.check(document, operation, variables, spend?.budget?.maximum);
      analysis = checked.analysis;
      request.variables = checked.variables;
      if (spend) request.spend = newSpendState(spend, checked.cost, { document, operation, variables: checked.variables });
      // Only a budget gives back what was not used: the read path then counts each page's rows.
      if (spend?.budget) request.wantsActualCost = true;
    } catch (refusal) {
      const requested = (refusal as { requestedCost?: number }).requestedCost;
      if (spend && requested !== undefined) request.spend = newSpendState(spend, requested, undefined);
      // Authentication comes first: no credential where the operation may need one is 401, whatever its input.
      throw (request.principal === null && this.steps.authorize(null, this.checks.widest(document, operation))) || refusal;
    }
    request.analysis = analysis;
    const refusal = this.steps.authorize(request.principal, analysis);
    if (refusal) throw refusal;
    return analysis;
  }

  /**
   * The key's cost budget, then its credits (after its permissions, before execution); undefined
   * at once for a caller with neither. Throws the refusal.
   */
  spend(request: RequestState): Promise<void> | undefined {
    if (!request.spend || !request.principal || !this.steps.spend) return undefined;
    return this.steps.spend(request as RequestState & { spend: SpendState; principal: Principal });
  }

  /**
   * Once the answer of a key with a budget is built, before its size is measured: gives back what
   * it did not use (the requested cost less the actual one, computed once, here) and answers its
   * `extensions.cost` — at once when the bucket is this process's to change, else a promise of it;
   * undefined at once for any other caller.
   */
  settle(
    request: RequestState,
    data: Record<string, unknown> | null | undefined,
  ): CostExtension | Promise<CostExtension | undefined> | undefined {
    const state = request.spend;
    if (!state?.spend.budget || !this.steps.settle) return undefined;
    const ran = state.operation;
    const actual =
      state.taken && ran ? (request.actualCost ?? this.checks.actualCost(ran.document, ran.operation, ran.variables, data)) : 0;
    return this.steps.settle(request as RequestState & { spend: SpendState }, actual);
  }

  /** Once the answer's status is known: the credit of an answer that was 503 goes back; undefined at once otherwise. */
  refund(request: RequestState, status: number): Promise<void> | undefined {
    const state = request.spend;
    if (!state?.credit || status !== 503 || !this.steps.refund) return undefined;
    return this.steps.refund(request as RequestState & { spend: SpendState }, status);
  }

  /** Computes the request's outcome from the errors the client received; only the first call counts. */
  finish(request: RequestState, errors: readonly GraphQLFormattedError[] | undefined, answeredStatus?: number): RequestOutcome {
    if (request.outcome) return request.outcome;
    const outcome = requestOutcome(errors, answeredStatus);
    request.outcome = outcome;
    request.durationMs = performance.now() - request.started;
    for (const listener of this.listeners) listener(request as FinishedRequest);
    return outcome;
  }
}
