// SVG charts for the metrics-server dashboard, without a library.
//   Charts.line(host, series, options): a time-series line chart; one <path class="series"> per
//     series and one <circle class="point"> per data point (x: epoch ms, y: number or null).
//     A point that no line passes through, or any point of a series with few points, is drawn
//     as a large marker on a stem from the baseline (<line class="stem">), so that a range whose
//     traffic fell in one or two buckets still shows it.
//   Charts.bars(host, groups, options): grouped bars; one <rect class="bar"> per value, its value
//     printed above it (<text class="bar-value">). options.scale 'log' draws the y axis in
//     decades (labelled powers of ten), so that values far apart all get a visible bar.
// Both replace the host's content and mark the <svg> with data-points (points drawn).
'use strict';

const Charts = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const HEIGHT = 240;
  let WIDTH = 640;  // Per chart: options.width (viewBox units), default 640.
  const PAD = { left: 56, right: 12, top: 12, bottom: 40 };
  // Marker radii (viewBox units): dense series, sparse series, and points shown on their own.
  const RADIUS = { dense: 1.5, normal: 2.5, alone: 4 };
  const DENSE_POINTS = 120;  // More drawn points than this: small markers, the line carries them.
  const FEW_POINTS = 12;     // This many drawn points or fewer: every point is a marker on a stem.

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function svgFor(host, kind, width) {
    WIDTH = width || 640;
    const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: `chart ${kind}`,
                            role: 'img' });
    host.replaceChildren(svg);
    return svg;
  }

  // About `count` round tick values covering [0, max].
  function ticks(max, count) {
    if (!(max > 0)) return [0, 1];
    const raw = max / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let v = 0; v <= max + step * 0.5; v += step) out.push(v);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return spanMs > 2 * 86400000 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
  }

  function yAxis(svg, yTicks, y, format) {
    const g = el('g', { class: 'axis y' }, svg);
    for (const t of yTicks) {
      el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(t), y2: y(t) }, g);
      const label = el('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, g);
      label.textContent = format(t);
    }
  }

  function legend(svg, series) {
    const g = el('g', { class: 'legend' }, svg);
    let x = PAD.left;
    for (const s of series) {
      el('rect', { x, y: HEIGHT - 14, width: 10, height: 10, fill: s.color }, g);
      const text = el('text', { x: x + 14, y: HEIGHT - 5 }, g);
      text.textContent = s.name;
      x += 24 + s.name.length * 7;
    }
  }

  function empty(svg, message) {
    const t = el('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'empty' },
                 svg);
    t.textContent = message;
    svg.setAttribute('data-points', '0');
  }

  function line(host, series, options) {
    const svg = svgFor(host, 'line-chart', options.width);
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const ys = series.flatMap((s) => s.points.filter((p) => p.y !== null).map((p) => p.y));
    if (xs.length === 0) { empty(svg, 'No data in this range'); return svg; }
    const x0 = options.start ?? Math.min(...xs), x1 = options.end ?? Math.max(...xs);
    const yTicks = ticks(Math.max(0, ...ys), 4);
    const yMax = yTicks[yTicks.length - 1] || 1;
    const x = (v) => PAD.left + ((v - x0) / Math.max(1, x1 - x0)) * (WIDTH - PAD.left - PAD.right);
    const y = (v) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);
    yAxis(svg, yTicks, y, options.format || String);
    const xAxis = el('g', { class: 'axis x' }, svg);
    for (let i = 0; i <= 4; i++) {
      const v = x0 + ((x1 - x0) * i) / 4;
      const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
      const label = el('text', { x: x(v), y: HEIGHT - PAD.bottom + 14, 'text-anchor': anchor },
                       xAxis);
      label.textContent = timeLabel(v, x1 - x0);
    }
    let drawn = 0;
    for (const s of series) {
      const present = s.points.filter((p) => p.y !== null).length;
      const few = present <= FEW_POINTS;
      // A point with no drawn neighbour has no line through it.
      const alone = (i) => (i === 0 || s.points[i - 1].y === null) &&
                           (i === s.points.length - 1 || s.points[i + 1].y === null);
      let d = '';
      let pen = false;
      for (const p of s.points) {
        if (p.y === null) { pen = false; continue; }
        d += `${pen ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
        pen = true;
      }
      el('path', { class: 'series', d, stroke: s.color, 'data-name': s.name }, svg);
      const dots = el('g', { class: 'points', fill: s.color }, svg);
      s.points.forEach((p, i) => {
        if (p.y === null) return;
        const cx = x(p.x).toFixed(1);
        const cy = y(p.y).toFixed(1);
        const marked = few || alone(i);
        if (marked) {
          el('line', { class: 'stem', x1: cx, x2: cx, y1: y(0).toFixed(1), y2: cy,
                       stroke: s.color }, dots);
        }
        const r = marked ? RADIUS.alone : present > DENSE_POINTS ? RADIUS.dense : RADIUS.normal;
        const c = el('circle', { class: 'point', cx, cy, r }, dots);
        const title = el('title', {}, c);
        title.textContent = `${s.name}: ${(options.format || String)(p.y)} at ` +
                            new Date(p.x).toLocaleString();
        drawn++;
      });
    }
    legend(svg, series);
    svg.setAttribute('data-points', String(drawn));
    return svg;
  }

  // A linear y scale from 0 to round ticks covering `max`: { ticks, y }.
  function linearScale(max) {
    const yTicks = ticks(max, 4);
    const yMax = yTicks[yTicks.length - 1] || 1;
    return { ticks: yTicks,
             y: (v) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom) };
  }

  // A log10 y scale over whole decades: from one decade below the smallest positive value (so
  // that the smallest bar is at least one decade tall) to the power of ten at or above the
  // largest. Values at or below the bottom sit on the baseline. REQUIRES: max > 0.
  function logScale(values) {
    const positive = values.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...positive))) - 1;
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive))));
    const yTicks = [];
    for (let e = lo; e <= hi; e++) yTicks.push(Math.pow(10, e));
    const y = (v) => HEIGHT - PAD.bottom -
                     ((Math.log10(Math.max(v, yTicks[0])) - lo) / (hi - lo)) *
                     (HEIGHT - PAD.top - PAD.bottom);
    return { ticks: yTicks, y, base: yTicks[0] };
  }

  // groups: [{ label, values: [{ name, value, color }] }]
  function bars(host, groups, options) {
    const svg = svgFor(host, 'bar-chart', options.width);
    const values = groups.flatMap((g) => g.values.filter((v) => v.value !== null));
    if (values.length === 0) { empty(svg, 'No data in this range'); return svg; }
    const max = Math.max(0, ...values.map((v) => v.value));
    const scale = options.scale === 'log' && max > 0 ? logScale(values.map((v) => v.value))
                                                      : linearScale(max);
    const y = scale.y;
    const base = scale.base ?? 0;
    const format = options.format || String;
    svg.setAttribute('data-scale', scale.base === undefined ? 'linear' : 'log');
    yAxis(svg, scale.ticks, y, format);
    const groupWidth = (WIDTH - PAD.left - PAD.right) / groups.length;
    let drawn = 0;
    groups.forEach((g, gi) => {
      const barWidth = (groupWidth * 0.7) / g.values.length;
      const gx = PAD.left + gi * groupWidth + groupWidth * 0.15;
      const label = el('text', { x: PAD.left + gi * groupWidth + groupWidth / 2,
                                 y: HEIGHT - PAD.bottom + 14, 'text-anchor': 'middle' },
                       el('g', { class: 'axis x' }, svg));
      label.textContent = g.label;
      g.values.forEach((v, vi) => {
        if (v.value === null) return;
        const bx = gx + vi * barWidth;
        const r = el('rect', { class: 'bar', x: bx, y: y(v.value), width: barWidth - 2,
                               height: y(base) - y(v.value), fill: v.color,
                               'data-name': v.name }, svg);
        el('title', {}, r).textContent = `${g.label} ${v.name}: ${format(v.value)}`;
        const label = el('text', { class: 'bar-value', x: bx + (barWidth - 2) / 2,
                                   y: y(v.value) - 4, 'text-anchor': 'middle',
                                   'data-name': v.name }, svg);
        label.textContent = `${v.name} ${format(v.value)}`;
        drawn++;
      });
    });
    legend(svg, groups[0].values.map((v) => ({ name: v.name, color: v.color })));
    svg.setAttribute('data-points', String(drawn));
    return svg;
  }

  return { line, bars };
})();
