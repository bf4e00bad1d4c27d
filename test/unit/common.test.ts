import "reflect-metadata";
import { IsOptional, ValidateNested } from "class-validator";
import { GraphQLError } from "graphql";
import { ManualClock, systemClock } from "../../src/common/clock";
import {
  badUserInput,
  ErrorCode,
  forbidden,
  notFound,
  operationResolutionFailure,
  overLimit,
  persistedQueryVersionNotSupported,
  rateLimited,
  unauthenticated,
} from "../../src/common/errors";
import { mapLoader, workspaceLoaders } from "../../src/common/loaders";
import {
  checkedPageArgs,
  decodeSeqCursor,
  encodeCursor,
  encodeSeqCursor,
  isUuid,
  MAX_PAGE_SIZE,
  MEMBER_LIST_PAGE_SIZE,
  readPageArgs,
  RELATION_LIST_MAX,
  toPage,
} from "../../src/common/pagination";
import {
  atLeast,
  atMost,
  characterCount,
  emailAddress,
  follow,
  Follows,
  longText,
  multiLine,
  notBlank,
  oneLine,
  searchText,
  shortText,
  storableText,
  trimmedLength,
} from "../../src/common/rules";
import { FieldErrors, validateInput } from "../../src/common/validation";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const json = (error: GraphQLError) => ({ message: error.message, extensions: error.extensions });
const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const fieldsOf = (errors: FieldErrors) => {
  try {
    errors.throwIfAny();
    return [];
  } catch (error) {
    return (error as GraphQLError).extensions.fields;
  }
};

describe("clocks", () => {
  it("the manual clock stands still until set or advanced; the system clock reads the time", () => {
    const clock = new ManualClock(new Date(1000));
    expect(clock.now().getTime()).toBe(1000);
    expect(clock.nowMs()).toBe(1000);
    clock.advance(500);
    expect(clock.now().getTime()).toBe(1500);
    expect(clock.nowMs()).toBe(1500);
    clock.set(new Date(42));
    expect(clock.now()).toEqual(new Date(42));
    expect(clock.nowMs()).toBe(42);
    const before = Date.now();
    expect(Math.abs(new ManualClock().now().getTime() - before)).toBeLessThan(1000);
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
    expect(Math.abs(systemClock.nowMs() - Date.now())).toBeLessThan(1000);
  });
});

describe("errors: one shape per code", () => {
  it("UNAUTHENTICATED carries the reason, 401 and the Bearer challenge", () => {
    const missing = unauthenticated("MISSING");
    expect(missing.message).toBe("Authentication required: send Authorization: Bearer <token>");
    expect(missing.extensions.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(missing.extensions.reason).toBe("MISSING");
    expect(missing.extensions.http).toEqual({ status: 401, headers: new Map([["www-authenticate", "Bearer"]]) });
    const revoked = unauthenticated("REVOKED");
    expect(revoked.message).toBe("The token has been revoked");
    expect(revoked.extensions.http).toEqual({ status: 401, headers: new Map([["www-authenticate", 'Bearer error="invalid_token"']]) });
    expect(unauthenticated("MALFORMED").message).toBe("The bearer token is malformed");
    expect(unauthenticated("INVALID").message).toBe("The bearer token is not valid");
    expect(unauthenticated("EXPIRED").message).toBe("The bearer token has expired");
    expect(unauthenticated("EXPIRED", "own words").message).toBe("own words");
  });

  it("FORBIDDEN is 403, with missingPermissions only when given", () => {
    expect(json(forbidden("no"))).toEqual({ message: "no", extensions: { code: "FORBIDDEN", http: { status: 403 } } });
    expect(json(forbidden("no", ["calls:read"]))).toEqual({
      message: "no",
      extensions: { code: "FORBIDDEN", missingPermissions: ["calls:read"], http: { status: 403 } },
    });
  });

  it("BAD_USER_INPUT names each field in the message and in extensions.fields", () => {
    const fields = [
      { field: "a", message: "must be x" },
      { field: "b", message: "must be y" },
    ];
    expect(json(badUserInput(fields))).toEqual({
      message: "Invalid input: a: must be x; b: must be y",
      extensions: { code: "BAD_USER_INPUT", fields },
    });
  });

  it("NOT_FOUND names what and the field", () => {
    expect(json(notFound("API key"))).toEqual({
      message: "No API key with this id in your workspace",
      extensions: { code: "NOT_FOUND", field: "id" },
    });
    expect(notFound("agent", "agentId").message).toBe("No agent with this agentId in your workspace");
    expect(notFound("agent", "agentId").extensions.field).toBe("agentId");
  });

  it("RATE_LIMITED is 429 with Retry-After, or without it over a limit waiting does not lift", () => {
    const limited = rateLimited(7);
    expect(limited.message).toBe("Rate limit exceeded; retry after 7 s");
    expect(limited.extensions).toEqual({
      code: "RATE_LIMITED",
      retryAfter: 7,
      http: { status: 429, headers: new Map([["retry-after", "7"]]) },
    });
    expect(rateLimited(2, "Slow down").message).toBe("Slow down; retry after 2 s");
    expect(json(overLimit("too many sockets", "SOCKETS_PER_SESSION"))).toEqual({
      message: "too many sockets",
      extensions: { code: "RATE_LIMITED", reason: "SOCKETS_PER_SESSION", http: { status: 429 } },
    });
  });

  it("Apollo's own answers: an operation that cannot be resolved (400), persisted queries (200)", () => {
    expect(json(operationResolutionFailure("Missing"))).toEqual({
      message: 'Unknown operation named "Missing".',
      extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } },
    });
    expect(operationResolutionFailure(null).message).toBe("Must provide operation name if query contains multiple operations.");
    expect(operationResolutionFailure("").message).toBe("Must provide operation name if query contains multiple operations.");
    expect(json(persistedQueryVersionNotSupported())).toEqual({
      message: "PersistedQueryNotSupported: only persistedQuery version 1 is supported",
      extensions: { code: "PERSISTED_QUERY_NOT_SUPPORTED", http: { status: 400 } },
    });
  });

  it("the codes are the ones docs/API.md lists by these names", () => {
    for (const [name, value] of Object.entries(ErrorCode)) expect(value).toBe(name);
  });
});

describe("FieldErrors and validateInput", () => {
  it("records a failed check once per field, keeping the first message, and says whether it passed", () => {
    const errors = new FieldErrors();
    expect(errors.check(true, "a", "never")).toBe(true);
    expect(errors.size).toBe(0);
    expect(() => errors.throwIfAny()).not.toThrow();
    expect(errors.check(false, "a", "first")).toBe(false);
    errors.add("a", "second");
    errors.add("input.b", "third");
    expect(errors.size).toBe(2);
    expect(fieldsOf(errors)).toEqual([
      { field: "a", message: "first" },
      { field: "input.b", message: "third" },
    ]);
  });

  it("has: the field itself or anything under it, not a field that only starts with its name", () => {
    const errors = new FieldErrors();
    errors.add("input.permissions.0.resource", "bad");
    expect(errors.has("input.permissions")).toBe(true);
    expect(errors.has("input.permissions.0.resource")).toBe(true);
    expect(errors.has("input.perm")).toBe(false);
    expect(errors.has("input.permissions.1")).toBe(false);
    errors.add("input.name", "bad");
    expect(errors.has("input.name")).toBe(true);
    expect(errors.has("input.permissions")).toBe(true);
  });

  it("validateInput flattens nested class-validator failures under the argument's path, first message each", async () => {
    class Inner {
      @Follows(notBlank)
      @Follows(oneLine)
      name?: string;
    }
    class Outer {
      @Follows(shortText(3)[1])
      title?: string;
      @IsOptional()
      @ValidateNested()
      inner?: Inner;
    }
    const input = Object.assign(new Outer(), { title: "long", inner: Object.assign(new Inner(), { name: "\u0007" }) });
    expect(fieldsOf(await validateInput("input", input))).toEqual([
      { field: "input.title", message: "must be at most 3 characters" },
      { field: "input.inner.name", message: "must not contain control characters" },
    ]);
    expect((await validateInput("input", { plain: "object without rules" })).size).toBe(0);
    expect((await validateInput("input", null)).size).toBe(0);
    expect((await validateInput("input", undefined)).size).toBe(0);
    const into = new FieldErrors();
    into.add("other", "kept");
    expect(await validateInput("input", Object.assign(new Outer(), { title: "ok" }), into)).toBe(into);
    expect(fieldsOf(into)).toEqual([{ field: "other", message: "kept" }]);
    expect(fieldsOf(await validateInput("", Object.assign(new Outer(), { title: "long" })))).toEqual([
      { field: "title", message: "must be at most 3 characters" },
    ]);
  });

  it("a decorated rule refuses anything that is not a string", async () => {
    class Input {
      @Follows(notBlank)
      name?: unknown;
    }
    expect(fieldsOf(await validateInput("input", Object.assign(new Input(), { name: 5 })))).toEqual([
      { field: "input.name", message: "must not be blank" },
    ]);
  });
});

describe("text rules", () => {
  it("each rule's name, message and bounds", () => {
    expect([oneLine.name, multiLine.name, notBlank.name, emailAddress.name]).toEqual(["oneLine", "multiLine", "notBlank", "emailAddress"]);
    expect(atLeast(3)).toMatchObject({ name: "atLeast", message: "must be at least 3 characters" });
    expect(atLeast(3).test("abc")).toBe(true);
    expect(atLeast(3).test("ab")).toBe(false);
    expect(atLeast(2).test("😀😀")).toBe(true);
    expect(atLeast(3).test("😀😀")).toBe(false);
    expect(trimmedLength(2, 3)).toMatchObject({ name: "trimmedLength", message: "must be 2 to 3 characters after trimming" });
    expect(["a", "ab", "abc", "abcd"].map((v) => trimmedLength(2, 3).test(v))).toEqual([false, true, true, false]);
    expect(notBlank.test(" x ")).toBe(true);
    expect(notBlank.test("x")).toBe(true);
    expect(atMost(3)).toMatchObject({ name: "atMost", message: "must be at most 3 characters" });
    expect(notBlank.test("")).toBe(false);
  });

  it("one line refuses every control character; multi-line keeps tabs and line breaks only", () => {
    for (const c of ["\u0000", "\u0008", "\t", "\n", "\u000b", "\u000c", "\r", "\u000e", "\u001f", "\u007f"]) {
      expect(oneLine.test(`a${c}b`)).toBe(false);
    }
    expect(oneLine.test("a b~\u0080")).toBe(true);
    expect(["\t", "\n", "\r"].map((c) => multiLine.test(`a${c}b`))).toEqual([true, true, true]);
    expect(["\u0000", "\u0008", "\u000b", "\u000c", "\u000e", "\u001f", "\u007f"].map((c) => multiLine.test(`a${c}b`))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(multiLine.test(" ~")).toBe(true);
  });

  it("search text is bounded and one line but may be blank; long text is bounded", () => {
    const errors = new FieldErrors();
    expect(follow(errors, "q", "  ", searchText(5))).toBe(true);
    expect(follow(errors, "q", "x".repeat(6), searchText(5))).toBe(false);
    expect(follow(errors, "r", "a\nb", searchText(5))).toBe(false);
    expect(follow(errors, "s", "x".repeat(5), longText(5))).toBe(true);
    expect(follow(errors, "t", "x".repeat(6), longText(5))).toBe(false);
    expect(fieldsOf(errors)).toEqual([
      { field: "q", message: "must be at most 5 characters" },
      { field: "r", message: "must not contain control characters" },
      { field: "t", message: "must be at most 5 characters" },
    ]);
  });

  it("storable text: NUL and lone surrogates become U+FFFD, a surrogate pair stays", () => {
    expect(storableText("plain")).toBe("plain");
    expect(storableText("a\u0000b\u0000")).toBe("a\uFFFDb\uFFFD");
    expect(storableText("x\uD800y\uDC00")).toBe("x\uFFFDy\uFFFD");
    expect(storableText("😀\uD83D")).toBe("😀\uFFFD");
    expect(characterCount("a😀b😀")).toBe(4);
    expect(characterCount("")).toBe(0);
  });
});

describe("pagination", () => {
  it("constants", () => {
    expect([MAX_PAGE_SIZE, RELATION_LIST_MAX, MEMBER_LIST_PAGE_SIZE]).toEqual([100, 100, 50]);
  });

  it("isUuid: any case, nothing else", () => {
    expect(isUuid(ID)).toBe(true);
    expect(isUuid(ID.toUpperCase())).toBe(true);
    expect(isUuid(`${ID}0`)).toBe(false);
    expect(isUuid(`x${ID}`)).toBe(false);
    expect(isUuid(ID.replace(/-/g, ""))).toBe(false);
    expect(isUuid(7)).toBe(false);
    expect(isUuid(ID.replace("0", "g"))).toBe(false);
    expect(isUuid({ toString: () => ID })).toBe(false);
  });

  it("reads back every cursor it wrote, and refuses anything else", () => {
    const cursor = { at: new Date("2026-03-01T12:00:00.123Z"), id: ID };
    const encoded = encodeCursor(cursor);
    expect(encoded).toBe(base64url(["2026-03-01T12:00:00.123Z", ID]));
    expect(readPageArgs(5, encoded, new FieldErrors(), 20)).toEqual({ first: 5, after: cursor });
    const refused = (raw: string) => {
      const errors = new FieldErrors();
      const page = readPageArgs(1, raw, errors, 20);
      return { after: page.after, fields: fieldsOf(errors) };
    };
    const notOurs = { after: null, fields: [{ field: "after", message: "is not a cursor returned by this API" }] };
    expect(refused("bogus")).toEqual(notOurs);
    expect(refused(base64url({ at: "2026-01-01T00:00:00Z", id: ID }))).toEqual(notOurs);
    expect(refused(base64url(["2026-01-01T00:00:00Z"]))).toEqual(notOurs);
    expect(refused(base64url(["2026-01-01T00:00:00Z", ID, 1]))).toEqual(notOurs);
    expect(refused(base64url([1, ID]))).toEqual(notOurs);
    expect(refused(base64url(["2026-01-01T00:00:00Z", "x"]))).toEqual(notOurs);
    expect(refused(base64url(["not a time", ID]))).toEqual(notOurs);
    expect(refused(base64url(["+275760-09-13T00:00:00.000Z", ID]))).toEqual(notOurs);
    expect(refused(base64url(["-000001-12-31T23:59:59.999Z", ID]))).toEqual(notOurs);
    expect(refused(base64url(["0001-01-01T00:00:00.000Z", ID])).after).toEqual({ at: new Date("0001-01-01T00:00:00.000Z"), id: ID });
    expect(refused(base64url(["9999-12-31T23:59:59.999Z", ID])).after).toEqual({ at: new Date("9999-12-31T23:59:59.999Z"), id: ID });
    expect(refused(base64url(["0000-12-31T23:59:59.999Z", ID]))).toEqual(notOurs);
    expect(refused(base64url(["+010000-01-01T00:00:00.000Z", ID]))).toEqual(notOurs);
  });

  it("first: the default when absent, 0 to 100 integers only", () => {
    const read = (first: number | null | undefined) => {
      const errors = new FieldErrors();
      return { page: readPageArgs(first, null, errors, 20), fields: fieldsOf(errors) };
    };
    expect(read(undefined)).toEqual({ page: { first: 20, after: null }, fields: [] });
    expect(read(null)).toEqual({ page: { first: 20, after: null }, fields: [] });
    expect(read(0)).toEqual({ page: { first: 0, after: null }, fields: [] });
    expect(read(100).fields).toEqual([]);
    const bad = [{ field: "first", message: "must be an integer from 0 to 100" }];
    expect(read(101).fields).toEqual(bad);
    expect(read(-1).fields).toEqual(bad);
    expect(read(1.5).fields).toEqual(bad);
    expect(readPageArgs(undefined, undefined, new FieldErrors(), 7)).toEqual({ first: 7, after: null });
  });

  it("checkedPageArgs refuses at once, with every bad argument; a custom decoder reads its own cursors", () => {
    expect(() => checkedPageArgs(101, "bogus", 20)).toThrow(
      "Invalid input: first: must be an integer from 0 to 100; after: is not a cursor returned by this API",
    );
    expect(checkedPageArgs(3, null, 20)).toEqual({ first: 3, after: null });
    expect(checkedPageArgs(undefined, "7", 20, (raw) => (raw === "7" ? 7 : null))).toEqual({ first: 20, after: 7 });
  });

  it("sequence cursors: a decimal bigint up to PostgreSQL's maximum", () => {
    expect(encodeSeqCursor("42")).toBe(base64url(["seq", "42"]));
    expect(decodeSeqCursor(encodeSeqCursor("42"))).toBe("42");
    expect(decodeSeqCursor(encodeSeqCursor("9223372036854775807"))).toBe("9223372036854775807");
    expect(decodeSeqCursor(encodeSeqCursor("9223372036854775808"))).toBeNull();
    expect(decodeSeqCursor(encodeSeqCursor("12345678901234567890"))).toBeNull();
    expect(decodeSeqCursor(encodeSeqCursor("-1"))).toBeNull();
    expect(decodeSeqCursor(encodeSeqCursor("1a"))).toBeNull();
    expect(decodeSeqCursor(encodeSeqCursor(""))).toBeNull();
    expect(decodeSeqCursor(base64url(["seq", 42]))).toBeNull();
    expect(decodeSeqCursor(base64url(["set", "42"]))).toBeNull();
    expect(decodeSeqCursor(base64url({ 0: "seq", 1: "42" }))).toBeNull();
    expect(decodeSeqCursor("bogus")).toBeNull();
    expect(decodeSeqCursor(encodeCursor({ at: new Date(0), id: ID }))).toBeNull();
  });

  it("toPage: first rows, cursors of each, whether there is more, and a count run once when read", async () => {
    const rows = [0, 1, 2].map((i) => ({ id: ID.replace("0f", `0${i}`), createdAt: new Date(i * 1000) }));
    let counts = 0;
    const count = async () => {
      counts += 1;
      return 9;
    };
    const page = toPage(rows, 2, count, (row) => row.createdAt);
    expect(page.nodes).toEqual(rows.slice(0, 2));
    expect(page.edges.map((e) => e.cursor)).toEqual(rows.slice(0, 2).map((r) => encodeCursor({ at: r.createdAt, id: r.id })));
    expect(page.edges.map((e) => e.node)).toEqual(rows.slice(0, 2));
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: page.edges[1].cursor });
    expect(counts).toBe(0);
    expect(await page.totalCount).toBe(9);
    expect(await page.totalCount).toBe(9);
    expect(counts).toBe(1);
    const last = toPage(rows, 3, count, () => "17");
    expect(last.pageInfo).toEqual({ hasNextPage: false, endCursor: encodeSeqCursor("17") });
    expect(toPage([], 5, count, () => "1").pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});

describe("loaders", () => {
  it("mapLoader answers each key from one batch, empty() where the map has none", async () => {
    const batches: string[][] = [];
    const loader = mapLoader(
      async (ids) => {
        batches.push([...ids]);
        return new Map([["a", 1]]);
      },
      () => 0,
    );
    expect(await Promise.all([loader.load("a"), loader.load("b")])).toEqual([1, 0]);
    expect(batches).toEqual([["a", "b"]]);
  });

  it("workspace loaders ask only with a workspace, scoped to it; byId answers null for others", async () => {
    const asked: string[] = [];
    const rows = async (ws: string, ids: readonly string[]) => {
      asked.push(`${ws}:${ids.join(",")}`);
      return ids.filter((id) => id !== "gone").map((id) => ({ id, ws }));
    };
    const scoped = workspaceLoaders("w1").byId(rows);
    expect(await Promise.all([scoped.load("a"), scoped.load("gone")])).toEqual([{ id: "a", ws: "w1" }, null]);
    expect(asked).toEqual(["w1:a,gone"]);
    const none = workspaceLoaders(null);
    expect(await none.byId(rows).load("a")).toBeNull();
    expect(
      await none
        .grouped(
          async () => new Map([["a", [1]]]),
          () => [],
        )
        .load("a"),
    ).toEqual([]);
    expect(asked).toEqual(["w1:a,gone"]);
    const grouped = workspaceLoaders("w2").grouped(
      async (ws, ids) => new Map(ids.map((id) => [id, [ws]])),
      () => [],
    );
    expect(await grouped.load("x")).toEqual(["w2"]);
  });
});
