// The health panel: glassgrad.explain.health watching the studio's own network, live.
// The server watches one training step in `every` (10 at first, doubling on long runs: trainer.py) and sends, with each
// state, `health`: per layer the activation and gradient statistics of that step (mean, std, histogram,
// and for tanh layers the fraction saturated, |a| > 0.97), and each weight matrix's update-to-data ratio
// std(ΔW) / std(W) over the steps watched. Drawn here: one row per layer (its activation histogram in
// blue, its gradient histogram in red, a bar for the saturated fraction), and log10 of the ratios, one
// line per weight matrix, with the usual guide at 1e-3 (-3): far below, a layer barely learns; far above,
// it thrashes.

import { COLORS } from "./plots.js";

const LINE_COLORS = ["#2563eb", "#ea580c", "#16a34a", "#7c3aed", "#db2777", "#0891b2", "#a16207"];

// At most 6 characters: 0.1234, -1.2e-4.
function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (x !== 0 && (Math.abs(x) < 0.01 || Math.abs(x) >= 1000)) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}

// A histogram {counts, lo, hi} as bars on a small canvas; the x range is the histogram's own (written under it).
function drawHistogram(canvas, stats, color) {
  if (canvas.clientWidth > 0 && canvas.width !== Math.round(canvas.clientWidth)) canvas.width = Math.round(canvas.clientWidth);
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (!stats) {
    ctx.fillStyle = "#94a3b8";
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillText("not seen yet", 4, H / 2 + 3);
    return;
  }
  const top = Math.max(1, ...stats.counts), n = stats.counts.length;
  ctx.fillStyle = color;
  stats.counts.forEach((c, i) => {
    const h = (c / top) * (H - 2);
    ctx.fillRect((i / n) * W, H - h, W / n - 0.5, h);
  });
  if (stats.lo !== null && stats.hi !== null && stats.lo < 0 && stats.hi > 0) { // where zero is
    const x0 = (-stats.lo / (stats.hi - stats.lo)) * W;
    ctx.strokeStyle = "rgba(15,23,42,0.35)";
    ctx.beginPath();
    ctx.moveTo(x0, 0);
    ctx.lineTo(x0, H);
    ctx.stroke();
  }
}

// log10 of the update-to-data ratios over steps: rows [step, r(W1), r(W2), ...]; dashed: 1e-3.
function drawRatios(canvas, health) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, left = 30, bottom = 16;
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#64748b";
  const rows = health ? health.ratios : [];
  const logs = rows.map((r) => r.slice(1).map((v) => (v && v > 0 ? Math.log10(v) : null)));
  const finite = logs.flat().filter((v) => v !== null);
  if (finite.length === 0) {
    ctx.fillText("update / data: press play or step", left, H / 2);
    return;
  }
  const lo = Math.floor(Math.min(-4, ...finite)), hi = Math.ceil(Math.max(-2, ...finite));
  const first = rows[0][0], last = Math.max(first + 1, rows[rows.length - 1][0]);
  const px = (s) => left + ((s - first) / (last - first)) * (W - left - 6);
  const py = (v) => 4 + ((hi - v) / (hi - lo)) * (H - bottom - 8);
  ctx.strokeStyle = "#e2e8f0";
  ctx.beginPath();
  for (let v = lo; v <= hi; v++) {
    ctx.moveTo(left, py(v));
    ctx.lineTo(W - 6, py(v));
    ctx.fillText(String(v), 4, py(v) + 4);
  }
  ctx.stroke();
  ctx.fillText(`step ${rows[rows.length - 1][0]}`, W - 70, H - 3);
  ctx.strokeStyle = "#0f172a"; // the guide: a ratio of 1e-3
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(left, py(-3));
  ctx.lineTo(W - 6, py(-3));
  ctx.stroke();
  ctx.setLineDash([]);
  health.weights.forEach((_, k) => {
    ctx.strokeStyle = LINE_COLORS[k % LINE_COLORS.length];
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let started = false;
    rows.forEach((r, i) => {
      const v = logs[i][k];
      if (v === null) return (started = false);
      started ? ctx.lineTo(px(r[0]), py(v)) : ctx.moveTo(px(r[0]), py(v));
      started = true;
    });
    ctx.stroke();
    const i = rows.length - 1, v = logs[i][k]; // the latest point as a dot: seen even when it is the only one
    if (v !== null) {
      ctx.fillStyle = ctx.strokeStyle;
      ctx.beginPath();
      ctx.arc(px(rows[i][0]), py(v), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
  ctx.lineWidth = 1;
}

export class HealthView {
  constructor(root) {
    this.root = root;
    this.rows = root.querySelector('[data-testid="health-layers"]');
    this.ratios = root.querySelector('[data-testid="health-ratios"]');
    this.legend = root.querySelector('[data-testid="health-legend"]');
    this.caption = root.querySelector('[data-testid="health-step"]');
    this.cells = [];
  }

  // One row per layer explain.health watches (every module of the Sequential: Linear, activation, ...).
  build(health) {
    this.rows.innerHTML = "";
    this.cells = health.layers.map((layer) => {
      const row = document.createElement("div");
      row.className = "health-row";
      row.setAttribute("data-testid", `health-layer-${layer.name}`);
      row.dataset.label = layer.label;
      const name = document.createElement("div");
      name.className = "health-name";
      name.textContent = layer.label;
      const act = this.cell("activation", "act");
      const grad = this.cell("gradient", "grad");
      const sat = document.createElement("div");
      sat.className = "health-sat";
      sat.title = "saturated: the fraction of tanh units with |a| > 0.97, whose slope 1 − a² is almost 0";
      sat.innerHTML = '<div class="bar"><div class="fill"></div></div><span class="muted small"></span>';
      row.append(name, act.box, grad.box, sat);
      this.rows.appendChild(row);
      return { row, act, grad, sat, tanh: layer.kind === "Tanh" };
    });
    this.legend.innerHTML = "";
    health.weights.forEach((w, k) => {
      const s = document.createElement("span");
      s.innerHTML = `<i style="background:${LINE_COLORS[k % LINE_COLORS.length]}"></i>${w}`;
      this.legend.appendChild(s);
    });
    this.shape = JSON.stringify(health.layers.map((l) => l.label));
  }

  cell(which, short) {
    const box = document.createElement("div");
    box.className = `health-cell ${short}`;
    const canvas = document.createElement("canvas");
    canvas.width = 140;
    canvas.height = 30;
    const text = document.createElement("div");
    text.className = "muted small";
    box.title = `${which} at this layer: histogram, mean μ and std σ (Bessel-corrected, as Tensor.std())`;
    box.append(canvas, text);
    return { box, canvas, text, which };
  }

  update(health) {
    if (!health) return;
    if (this.shape !== JSON.stringify(health.layers.map((l) => l.label))) this.build(health);
    this.caption.textContent = health.step === null
      ? `explain.health watches one training step in ${health.every}: press play or step`
      : `step ${health.step} (one step in ${health.every} is watched now)`;
    health.layers.forEach((layer, i) => {
      const c = this.cells[i];
      for (const part of [c.act, c.grad]) {
        const s = layer[part.which];
        drawHistogram(part.canvas, s, part.which === "activation" ? COLORS.value : COLORS.grad);
        part.text.textContent = s ? `μ ${fmt(s.mean)} σ ${fmt(s.std)}` : "";
        part.box.dataset.mean = s ? String(s.mean) : "";
        part.box.dataset.std = s ? String(s.std) : "";
      }
      const a = layer.activation;
      const sat = a && a.saturated !== null && a.saturated !== undefined ? a.saturated : null;
      c.row.dataset.saturated = sat === null ? "" : String(sat);
      c.sat.querySelector(".fill").style.width = `${sat === null ? 0 : Math.min(100, sat * 100)}%`;
      c.sat.querySelector(".bar").style.visibility = c.tanh ? "visible" : "hidden";
      c.sat.querySelector("span").textContent = sat === null ? "" : `${(sat * 100).toFixed(0)}%`;
    });
    drawRatios(this.ratios, health);
    this.ratios.dataset.points = String(health.ratios.length);
  }
}
