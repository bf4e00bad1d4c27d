import { constants, monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { Gauge, Histogram, type Registry } from "prom-client";

type DefaultMetric = (registry: Registry, config: { prefix: string }) => void;

/**
 * prom-client's default metrics that only read when scraped. Its other two, the event-loop delay
 * and GC durations, start a delay monitor and a GC observer that nothing can stop: each is a
 * garbage-collection root holding its server (and, in a test worker, the whole test file) for the
 * life of the process. Those two are made here instead, with the same names, and stopped by the
 * returned function.
 */
const SCRAPED = [
  "processCpuTotal",
  "processStartTime",
  "osMemoryHeap",
  "processOpenFileDescriptors",
  "processMaxFileDescriptors",
  "processResources",
  "processHandles",
  "processRequests",
  "heapSizeAndUsed",
  "heapSpacesSizeAndUsed",
  "version",
];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/** Registers the process's metrics (prom-client's default set, `prefix` first); returns what stops them. */
export function collectProcessMetrics(registry: Registry, prefix: string): () => void {
  for (const name of SCRAPED) (require(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, { prefix });
  const stopDelay = eventLoopDelay(registry, prefix);
  const stopGc = gcDurations(registry, prefix);
  return () => {
    stopDelay();
    stopGc();
  };
}

function eventLoopDelay(registry: Registry, prefix: string): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const registers = [registry];
  const readings: [string, string, () => number][] = [
    ["min", "The minimum recorded event loop delay.", () => delay.min],
    ["max", "The maximum recorded event loop delay.", () => delay.max],
    ["mean", "The mean of the recorded event loop delays.", () => delay.mean],
    ["stddev", "The standard deviation of the recorded event loop delays.", () => delay.stddev],
    ["p50", "The 50th percentile of the recorded event loop delays.", () => delay.percentile(50)],
    ["p90", "The 90th percentile of the recorded event loop delays.", () => delay.percentile(90)],
    ["p99", "The 99th percentile of the recorded event loop delays.", () => delay.percentile(99)],
  ];
  // Registered first: its collect sets the figures of the interval since the last scrape (the
  // gauges below are read after it, in the same scrape) and starts the next interval, as prom-client's does.
  new Gauge({
    name: `${prefix}nodejs_eventloop_lag_seconds`,
    help: "Lag of event loop in seconds.",
    registers,
    async collect() {
      readings.forEach(([, , read], i) => gauges[i].set(read() / 1e9));
      delay.reset();
      const start = process.hrtime.bigint();
      await new Promise((resolve) => setImmediate(resolve));
      this.set(Number(process.hrtime.bigint() - start) / 1e9);
    },
  });
  const gauges = readings.map(([name, help]) => new Gauge({ name: `${prefix}nodejs_eventloop_lag_${name}_seconds`, help, registers }));
  return () => delay.disable();
}

function gcDurations(registry: Registry, prefix: string): () => void {
  const durations = new Histogram({
    name: `${prefix}nodejs_gc_duration_seconds`,
    help: "Garbage collection duration by kind, one of major, minor, incremental or weakcb.",
    labelNames: ["kind"],
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1];
      durations.observe({ kind }, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => observer.disconnect();
}
