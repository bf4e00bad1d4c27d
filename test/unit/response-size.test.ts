import fc from "fast-check";
import { ResponseSizeBound } from "../../src/server/guards/response-size";
import { CostExtension } from "../../src/server/guards/spend-gate";
import { SplicedData, writeResult } from "../../src/server/planned-response";

describe("the response size bound", () => {
  const bound = new ResponseSizeBound(65_536);

  it("lets an answer up to the bound through and refuses one byte more, counting UTF-8 bytes", () => {
    // "é" is 2 bytes in UTF-8: the text's length alone would let the second answer through.
    const answer = (n: number) => ({ data: { s: "é".repeat(n) } });
    const overhead = Buffer.byteLength(JSON.stringify({ data: { s: "" } }));
    const fits = Math.floor((65_536 - overhead) / 2);
    expect(bound.check(answer(fits))).toBeNull();
    expect(bound.check(answer(fits + 1))?.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
      http: { status: 400 },
    });
  });

  it("refuses an answer longer than a JavaScript string can be, instead of failing", () => {
    const huge = {
      toJSON: () => {
        throw new RangeError("Invalid string length");
      },
    };
    expect(bound.check({ data: { huge } })?.message).toMatch(/larger than this server's limit of 65536 bytes/);
  });

  it("hands Apollo the text it measured, so an answer is written once", () => {
    const data = { s: "measured" };
    expect(bound.check({ data })).toBeNull();
    data.s = "changed since"; // nothing changes an answer after it is measured; this shows which text is sent
    expect(bound.stringify({ errors: undefined, data, extensions: undefined })).toBe('{"data":{"s":"measured"}}\n');
    expect(bound.stringify({ errors: [], data, extensions: undefined })).toBe('{"errors":[],"data":{"s":"changed since"}}\n');
    expect(bound.stringify({ errors: undefined, data, extensions: { x: 1 } })).toBe(
      '{"data":{"s":"changed since"},"extensions":{"x":1}}\n',
    );
    expect(bound.stringify({ errors: undefined, data: undefined, extensions: undefined })).toBe("{}\n");
    expect(bound.check({ errors: [] })).toBeNull(); // no data: nothing to remember
  });
});

describe("an answer with spliced data", () => {
  it("is written as JSON.stringify writes the same answer parsed: its fields in their order, undefined ones left out", () => {
    const text = '{"calls":{"nodes":[{"id":"a"},{"id":"b"}]}}';
    const errors = [{ message: "x", path: ["calls"] }];
    const extensions = { cost: { requestedQueryCost: 3, actualQueryCost: 2 } };
    const results = [
      { data: new SplicedData(text) },
      { data: new SplicedData(text), extensions },
      { errors, data: new SplicedData(text), extensions },
      { extensions, data: new SplicedData(text), errors: undefined },
    ];
    for (const result of results) {
      const parsed = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v instanceof SplicedData ? JSON.parse(v.text) : v]));
      expect(writeResult(result)).toBe(JSON.stringify(parsed));
    }
  });

  it("writes extensions.cost as JSON.stringify writes Shopify's object, alone or beside other extensions, on both transports", () => {
    const text = '{"calls":{"nodes":[]}}';
    const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e21, 1.5e-7));
    fc.assert(
      fc.property(number, number, number, number, number, (requested, actual, maximum, available, restore) => {
        const cost = new CostExtension(requested, actual, { maximum, restorePerSecond: restore }, available);
        const shopify = {
          requestedQueryCost: requested,
          actualQueryCost: actual,
          throttleStatus: { maximumAvailable: maximum, currentlyAvailable: available, restoreRate: restore },
        };
        expect(cost.toText()).toBe(JSON.stringify(shopify));
        expect(JSON.stringify(cost)).toBe(JSON.stringify(shopify));
        for (const extensions of [{ cost }, { cost, other: [1] }, { other: null, cost }]) {
          const result = { data: new SplicedData(text), extensions };
          expect(writeResult(result)).toBe(JSON.stringify({ data: JSON.parse(text), extensions }));
        }
      }),
    );
  });
});
