import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface UsagePoint {
  start: string;
  count: number;
  forbidden: number;
}

/** A key's usage series as a uPlot line chart: requests and, of them, forbidden ones. */
export function UsageChart({ points, label }: { points: UsagePoint[]; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = host.current!;
    const width = () => Math.max(320, element.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 240,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          { label: "Requests", stroke: "#2563eb", width: 2, fill: "rgba(37, 99, 235, 0.08)", points: { show: false } },
          { label: "Forbidden", stroke: "#b91c1c", width: 2, points: { show: false } },
        ],
        axes: [{}, { size: 56 }],
      },
      [[], [], []],
      element,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 240 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([
      points.map((p) => new Date(p.start).getTime() / 1000),
      points.map((p) => p.count),
      points.map((p) => p.forbidden),
    ]);
  }, [points]);

  return <div ref={host} className="chart" role="img" aria-label={label} />;
}
