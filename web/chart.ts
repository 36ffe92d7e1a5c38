import uPlot from "uplot";

const clock = (seconds: number): string => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** A small line chart of one channel's history (uPlot: canvas, ~50 KB, no dependencies). */
export function createChart(target: HTMLElement, options: { stepped: boolean; width: number }) {
  const plot = new uPlot({
    width: options.width,
    height: 80,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true }, ...(options.stepped ? { y: { range: [-0.1, 1.1] as [number, number] } } : {}) },
    axes: [
      // One line per tick label (uPlot's default adds the date on a second line, clipped at this height).
      { size: 22, space: 70, font: "10px sans-serif", stroke: "#667", grid: { stroke: "#eef" }, ticks: { size: 3 }, values: (_u: uPlot, splits: number[]) => splits.map(clock) },
      { size: 40, space: 20, font: "10px sans-serif", stroke: "#667", grid: { stroke: "#eef" }, ticks: { size: 3 }, ...(options.stepped ? { splits: () => [0, 1], values: (_u: uPlot, v: number[]) => v.map((x) => (x ? "on" : "off")) } : {}) },
    ],
    series: [
      {},
      { stroke: "#2a6fdb", width: 1.5, points: { show: false }, ...(options.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}) },
    ],
  }, [[], []], target);
  return {
    /** uPlot keeps references to the arrays; the store appends in place, so pass copies. */
    update(times: readonly number[], values: readonly number[]): void {
      plot.setData([times.slice(), values.slice()]);
    },
    points: (): number => plot.data[0]?.length ?? 0,
    destroy: (): void => plot.destroy(),
  };
}

export type Chart = ReturnType<typeof createChart>;
