import { FormattedExecutionResult, GraphQLError } from "graphql";
import { ErrorCode } from "../../common/errors";

/** The refusal of an answer over the bound: a query limit, as the cost limit's refusal is. */
export function responseTooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(
    `The answer is larger than this server's limit of ${maxBytes} bytes (RESPONSE_MAX_BYTES): ask for smaller pages (first) or fewer fields`,
    { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } } },
  );
}

/**
 * The response size bound (`RESPONSE_MAX_BYTES`), for both transports: an answer whose JSON is
 * larger is not sent, the client gets `responseTooLarge` instead. The cost limit refuses what an
 * operation could ask for; this refuses what it did get (long texts, lists the cost counts at
 * their most). Over HTTP an answer is written once: the text measured here is the text Apollo
 * sends, through `stringify` (its `stringifyResult`).
 */
export class ResponseSizeBound {
  // The measured text of an answer, by its `data`; reused only for the same errors and extensions.
  private readonly texts = new WeakMap<object, { errors: unknown; extensions: unknown; text: string }>();

  constructor(readonly maxBytes: number) {}

  /** The refusal to send instead of `result`, or null when it fits. */
  check(result: FormattedExecutionResult): GraphQLError | null {
    let text: string;
    try {
      // The fields in the order Apollo writes them, so the text is the one it would send.
      text = JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions });
    } catch (error) {
      // Longer than a JavaScript string can be (RangeError): over any bound.
      if (error instanceof RangeError) return responseTooLarge(this.maxBytes);
      throw error;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so most answers need no byte count.
    if (text.length * 3 > this.maxBytes && Buffer.byteLength(text) > this.maxBytes) return responseTooLarge(this.maxBytes);
    if (result.data) this.texts.set(result.data, { errors: result.errors, extensions: result.extensions, text });
    return null;
  }

  /** Apollo's `stringifyResult` (its own writes `JSON.stringify(value) + "\n"`): the text `check` measured, else written now. */
  readonly stringify = (value: FormattedExecutionResult): string => {
    const known = value.data ? this.texts.get(value.data) : undefined;
    if (known && known.errors === value.errors && known.extensions === value.extensions) return `${known.text}\n`;
    return `${JSON.stringify(value)}\n`;
  };
}
