export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[] };
}

/** One GraphQL request over real HTTP; `extra` adds members to the JSON body (`operationName`, `extensions`). */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Promise<GqlResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables, ...extra }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response (${response.status}): ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** The data of a response that must have succeeded; fails with the errors otherwise. */
export function dataOf<T = any>(response: GqlResponse<T>): T {
  if (response.body.errors?.length || response.status !== 200) {
    throw new Error(`expected success, got ${response.status}: ${JSON.stringify(response.body.errors)}`);
  }
  return response.body.data as T;
}

export function errorOf(response: GqlResponse) {
  const error = response.body.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${response.status}: ${JSON.stringify(response.body)}`);
  return error;
}

/**
 * Sends `query` with `token` until a response is not a 200 (or `deadlineMs` after `since`, a
 * `performance.now()` reading, has passed) and returns that last response with how long after
 * `since` its request was sent, so a "refused within N ms" test asserts the time it claims.
 */
export async function firstRefusal(
  url: string,
  query: string,
  token: string,
  since: number,
  deadlineMs = 1500,
): Promise<{ response: GqlResponse; sentAfterMs: number }> {
  for (;;) {
    const sentAfterMs = performance.now() - since;
    const response = await gql(url, query, {}, token);
    if (response.status !== 200 || sentAfterMs >= deadlineMs) return { response, sentAfterMs };
  }
}
