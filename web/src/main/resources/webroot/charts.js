// The console's line charts, drawn by uPlot (vendor/uplot, MIT): a time or step x axis, axes sized to their labels
// and drawn in the page's theme colours (redrawn when the theme changes), the width of their box (they follow the
// window), and uPlot's legend as the tooltip: the values under the cursor.
const consoleCharts = (function () {
  'use strict';

  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
  const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const drawn = new Set();

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /** Room for the longest tick label (e.g. -0.000123) and the axis' own label, so that none is clipped. */
  function fitLabels(u, values, axisIndex, cycle) {
    const axis = u.axes[axisIndex];
    if (cycle > 1) { return axis._size; } // uPlot asks again while it settles the ticks: keep the first answer
    let size = axis.ticks.size + axis.gap + (axis.label ? axis.labelSize : 0);
    const longest = (values || []).reduce((a, v) => String(v).length > a.length ? String(v) : a, '');
    if (longest) {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / devicePixelRatio;
    }
    return Math.ceil(size) + 4;
  }

  function axis(label, vertical) {
    return {
      label: label, font: FONT, labelFont: '600 ' + FONT, labelSize: 20, gap: 6,
      // the y axis as wide as its labels; x labels (times such as 12:03:15) 90 px apart so that none overlap
      // (and two lines high: a time, then its date where the date changes)
      size: vertical ? fitLabels : 64, space: vertical ? 30 : 90,
      stroke: () => cssColor('--chart-text'),
      grid: { stroke: () => cssColor('--rule'), width: 1 },
      ticks: { stroke: () => cssColor('--chart-axis'), width: 1 }
    };
  }

  function number(value) {
    // four significant digits, without the zeros that end a fraction: 3.25, 1000, 0.0001234, 1.000e-7
    return value === null || value === undefined ? '–'
      : Number(value).toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }

  /**
   * A line chart in {@code box}: data is uPlot's ([x values, then one array of y values per series]); time says
   * whether x is a time in seconds (else a step); xLabel and yLabel name the axes (xLabel heads the legend too);
   * xValue formats x in the legend; xTicks are the spacings its ticks may take (uPlot's choice without it); pad is
   * the room either side of a lone x value; yRange fixes the y axis' ends; height is in px; each of series is
   * {label, color, dash (a canvas dash pattern), alpha}.
   */
  function lineChart(box, options) {
    const u = new uPlot({
      width: Math.max(200, box.clientWidth), height: options.height || 260,
      // a single x value (one day, one step) gets options.pad (else 1) of room either side; uPlot's own room for
      // it on a time axis in seconds would be a thousand days
      scales: { x: { time: options.time, range: (self, min, max) => {
        const xs = self.data[0], pad = options.pad || 1;
        return xs.length > 0 && xs[0] === xs[xs.length - 1] ? [xs[0] - pad, xs[0] + pad] : [min, max];
      } }, y: options.yRange ? { range: options.yRange } : {} },
      series: [{ label: options.xLabel, value: (self, v) => v === null || v === undefined ? '–'
        : options.xValue ? options.xValue(v) : String(v) }].concat(options.series.map(series)),
      axes: [Object.assign(axis(options.xLabel, false), options.xTicks ? { incrs: options.xTicks } : {}),
        axis(options.yLabel, true)],
      legend: { live: true },
      cursor: { points: { size: 8 } }
    }, options.data, box);
    drawn.add(u);
    resizes.observe(box);
    return u;
  }

  function series(s, i) {
    const color = s.color || COLORS[i % COLORS.length];
    return {
      label: s.label, stroke: s.alpha ? color + Math.round(s.alpha * 255).toString(16).padStart(2, '0') : color,
      width: 2, dash: s.dash, spanGaps: true, value: (self, v) => number(v), points: { size: 5 }
    };
  }

  function destroy(u) {
    if (!u) { return; }
    drawn.delete(u);
    resizes.unobserve(u.root.parentNode);
    u.destroy();
  }

  const resizes = new ResizeObserver(entries => entries.forEach(entry => drawn.forEach(u => {
    const width = Math.floor(entry.contentRect.width);
    if (u.root.parentNode === entry.target && width > 0 && width !== u.width) {
      u.setSize({ width: width, height: u.height });
    }
  })));

  // the axes and grid are drawn on the canvas in the theme's colours: draw again when the theme changes
  const redraw = () => drawn.forEach(u => u.redraw(false, true));
  new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);

  return { lineChart: lineChart, series: series, destroy: destroy, COLORS: COLORS };
})();
