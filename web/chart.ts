import { BarController, BarElement, CategoryScale, Chart, LinearScale, type Plugin } from 'chart.js';

// Only the pieces the one bar chart uses, so the rest of Chart.js stays out of the bundle.
Chart.register(BarController, BarElement, CategoryScale, LinearScale);

/** Writes each bar's value above it, so the chart reads without hovering or telling colours apart. */
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const labels = (chart.options.plugins as { valueLabels?: { text: string[] } } | undefined)?.valueLabels?.text ?? [];
    ctx.save();
    // Narrow bars (a phone, a long period) get smaller labels, so neighbours never run together.
    const barWidth = chart.chartArea.width / Math.max(1, labels.length);
    ctx.font = `600 ${barWidth < 44 ? 10 : barWidth < 60 ? 11 : 13}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    ctx.fillStyle = '#1b2330';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    chart.getDatasetMeta(0).data.forEach((bar, index) => {
      const text = labels[index];
      if (!text) return;
      const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
      const base = chart.scales.y!.getPixelForValue(0);
      ctx.fillText(text, x, Math.min(y, base) - 4);
    });
    ctx.restore();
  },
};

export interface BarData {
  labels: string[];
  /** null: no figure for that bar (nothing to measure). */
  values: Array<number | null>;
  /** The text written above each bar. */
  valueText: string[];
}

/** A calm single-colour bar chart from 0 to 100 %, each value written on its bar. */
export function percentBarChart(canvas: HTMLCanvasElement, data: BarData): Chart<'bar'> {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: '#3b73b9', hoverBackgroundColor: '#2c5d99', borderRadius: 3, maxBarThickness: 56 }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      events: [],
      layout: { padding: { top: 22 } },
      scales: {
        x: { grid: { display: false }, ticks: { color: '#3d4756', font: { size: 12 } } },
        y: { min: 0, max: 100, ticks: { stepSize: 25, color: '#3d4756', callback: (value) => `${value}%` }, grid: { color: '#e6e9ee' }, border: { display: false } },
      },
      plugins: { valueLabels: { text: data.valueText } } as never,
    },
    plugins: [valueLabels],
  });
}
