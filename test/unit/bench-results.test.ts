import { figuresTable, readResults, StoredFigure } from "../../bench/lib/report";

const figure = (over: Partial<StoredFigure>): StoredFigure => ({
  scenario: "8a",
  name: "calls(first: 20): requests/s, grantql ÷ PostGraphile 4",
  unit: "×",
  summary: { min: 1.216, median: 1.319, max: 1.382, samples: [] },
  ...over,
});

describe("bench/RESULTS.md read back, so a partial run keeps the other scenarios' figures", () => {
  it("reads every figure it wrote: values, target, verdict, note, rounds and when it ran", () => {
    const figures: StoredFigure[] = [
      figure({
        target: "≥ 2.00",
        met: false,
        note: "what it cost, with a comma, and **bold**",
        run: "7 × 10 s",
        runAt: "2026-12-05T03:25",
      }),
      figure({
        scenario: "1",
        name: "absolute requests/s (all on)",
        unit: "req/s",
        summary: { min: 1272, median: 1852, max: 2175, samples: [] },
      }),
      figure({
        scenario: "7",
        name: "SQL statements for 2000 malformed-key requests",
        unit: "statements",
        target: "0",
        met: true,
        run: "3 × 10 s",
      }),
    ];
    expect(readResults(`# Benchmark results\n\nprose\n\n${figuresTable(figures)}`)).toEqual(figures);
  });

  it("reads a table written before it had a rounds column", () => {
    const old = `| # | figure | min | median | max | unit | target | verdict | run at |
|---|---|---|---|---|---|---|---|---|
| 1 | requests/s, on ÷ off | 0.902 | **0.974** | 1.018 | × | ≥ 0.95 | met | 2026-12-01T08:51 |
| 8c | createCall: p99 latency, grantql ÷ PostGraphile | 0.786 | **0.852** | 1.001 | × |  |  | 2026-12-01T08:51 |

Where a target is missed, what it was found to cost:

- **1, requests/s, on ÷ off**: a note
`;
    expect(readResults(old)).toEqual([
      {
        scenario: "1",
        name: "requests/s, on ÷ off",
        unit: "×",
        summary: { min: 0.902, median: 0.974, max: 1.018, samples: [] },
        target: "≥ 0.95",
        met: true,
        note: "a note",
        runAt: "2026-12-01T08:51",
      },
      {
        scenario: "8c",
        name: "createCall: p99 latency, grantql ÷ PostGraphile",
        unit: "×",
        summary: { min: 0.786, median: 0.852, max: 1.001, samples: [] },
        runAt: "2026-12-01T08:51",
      },
    ]);
  });
});
