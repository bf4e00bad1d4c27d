import { errorOf, GqlResponse } from "./client";

/** The response is one BAD_USER_INPUT naming exactly these fields. */
export function expectBadInput(response: GqlResponse, fields: string[]): void {
  expect(response.body.errors).toHaveLength(1);
  const error = response.body.errors![0];
  expect(error.extensions?.code).toBe("BAD_USER_INPUT");
  const given = (error.extensions?.fields ?? []) as { field: string; message: string }[];
  expect(given.map((f) => f.field).sort()).toEqual([...fields].sort());
  for (const f of given) expect(f.message.length).toBeGreaterThan(3);
  expect(response.body.data ?? null).toBeNull();
}

export function expectUnauthenticated(response: GqlResponse, reason: string): void {
  expect(response.status).toBe(401);
  expect(response.body.errors?.[0].extensions).toEqual({ code: "UNAUTHENTICATED", reason });
  expect(response.headers.get("www-authenticate")).toBe(reason === "MISSING" ? "Bearer" : 'Bearer error="invalid_token"');
  expect(response.body.data ?? null).toBeNull();
}

export function expectForbidden(response: GqlResponse, missingPermissions?: string[]): void {
  expect(response.status).toBe(403);
  expect(response.body.errors).toHaveLength(1);
  const extensions = response.body.errors![0].extensions!;
  expect(extensions.code).toBe("FORBIDDEN");
  if (missingPermissions) expect(extensions.missingPermissions).toEqual(missingPermissions);
  else expect(extensions.missingPermissions).toBeUndefined();
  expect(response.body.data ?? null).toBeNull();
}

export function expectNotFound(response: GqlResponse): void {
  expect(response.body.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  expect(response.body.data ?? null).toBeNull();
}

/** The database is unavailable: 503 SERVICE_UNAVAILABLE with Retry-After: 5, `name` naming the case in a failure. */
export function expectServiceUnavailable(name: string, response: GqlResponse): void {
  expect({
    name,
    status: response.status,
    code: errorOf(response).extensions?.code,
    retryAfter: response.headers.get("retry-after"),
  }).toEqual({ name, status: 503, code: "SERVICE_UNAVAILABLE", retryAfter: "5" });
}
