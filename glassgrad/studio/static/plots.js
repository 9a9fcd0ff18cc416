// Pictures on canvas: the colour maps, the decision boundary with its points, neuron thumbnails,
// and the loss and accuracy curves. Colours follow glassgrad.explain.style where they mean the same thing.

export const COLORS = {
  value: "#2563eb", // values: blue
  grad: "#dc2626", // gradients: red
  local: "#16a34a", // local derivatives: green
  active: "#f59e0b", // the step being explained: amber
  leaf: "#ede9fe", // leaves and parameters
  pos: [37, 99, 235], // positive numbers and class 1: blue
  neg: [234, 88, 12], // negative numbers and class 0: orange
  third: [124, 58, 237], // class 2: purple
  test: "#0f172a",
};
const CLASS_RGB = [COLORS.neg, COLORS.pos, COLORS.third];

export function rgb(c, alpha = 1) {
  return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

// v in [-1, 1] -> white blended toward orange (negative) or blue (positive)
function diverging(v, strength = 1) {
  const t = Math.min(1, Math.abs(v)) * strength;
  const c = v >= 0 ? COLORS.pos : COLORS.neg;
  return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
}

export function decodeBytes(b64) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// Paint an n x n grid of colours into a canvas, scaled smoothly to the canvas's size.
function paintGrid(canvas, n, colorAt) {
  const off = document.createElement("canvas");
  off.width = n;
  off.height = n;
  const octx = off.getContext("2d");
  const img = octx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const c = colorAt(i);
    img.data[4 * i] = c[0];
    img.data[4 * i + 1] = c[1];
    img.data[4 * i + 2] = c[2];
    img.data[4 * i + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

// A neuron's thumbnail: {scale, data} bytes 0..255 for values -scale..scale; or, in 1-D, a list (a curve).
export function drawThumb(canvas, thumb, n) {
  const ctx = canvas.getContext("2d");
  if (Array.isArray(thumb)) {
    drawMiniCurve(ctx, canvas, thumb);
    return;
  }
  const bytes = decodeBytes(thumb.data);
  paintGrid(canvas, n, (i) => diverging(bytes[i] / 127.5 - 1, 0.85));
}

function drawMiniCurve(ctx, canvas, ys) {
  const w = canvas.width, h = canvas.height;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const m = Math.max(1, ...ys.map(Math.abs));
  ctx.strokeStyle = "#cbd5e1";
  ctx.beginPath();
  ctx.moveTo(0, h / 2);
  ctx.lineTo(w, h / 2);
  ctx.stroke();
  ctx.strokeStyle = COLORS.value;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ys.forEach((y, i) => {
    const px = (i / (ys.length - 1)) * w, py = h / 2 - (y / m) * (h / 2 - 3);
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  });
  ctx.stroke();
}

// The big picture: the decision boundary (or the fitted curve) with train and test points.
export function drawBoundary(canvas, layout, state, opts) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, E = layout.extent;
  const toPx = (x) => ((x + E) / (2 * E)) * W;
  const toPy = (y) => H - ((y + E) / (2 * E)) * H;
  const b = state && state.boundary;
  if (layout.kind === "regression") {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    const ys = layout.points.y;
    const lim = Math.max(2.5, ...ys.map(Math.abs)) * 1.1;
    const toRy = (y) => H / 2 - (y / lim) * (H / 2);
    gridLines(ctx, W, H);
    if (b && b.kind === "curve") {
      ctx.strokeStyle = COLORS.value;
      ctx.lineWidth = 3;
      ctx.beginPath();
      b.x.forEach((x, i) => (i ? ctx.lineTo(toPx(x), toRy(b.y[i])) : ctx.moveTo(toPx(x), toRy(b.y[i]))));
      ctx.stroke();
    }
    layout.points.x.forEach((p, i) => {
      const isTest = i >= layout.n_train;
      if (isTest && !opts.showTest) return;
      dot(ctx, toPx(p[0]), toRy(ys[i]), isTest ? "#94a3b8" : "#ea580c", isTest, i === opts.picked);
    });
    return;
  }
  if (b && b.kind === "binary") {
    const bytes = decodeBytes(b.data);
    paintGrid(canvas, layout.grid, (i) => diverging(bytes[i] / 127.5 - 1, 0.55));
  } else if (b && b.kind === "multi") {
    const cls = decodeBytes(b.cls), conf = decodeBytes(b.data);
    paintGrid(canvas, layout.grid, (i) => {
      const c = CLASS_RGB[cls[i] % 3], t = 0.15 + 0.45 * (conf[i] / 255);
      return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
    });
  } else {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
  }
  gridLines(ctx, W, H);
  layout.points.x.forEach((p, i) => {
    const isTest = i >= layout.n_train;
    if (isTest && !opts.showTest) return;
    dot(ctx, toPx(p[0]), toPy(p[1]), rgb(CLASS_RGB[layout.points.y[i] % 3]), isTest, i === opts.picked);
  });
}

function gridLines(ctx, W, H) {
  ctx.strokeStyle = "rgba(15,23,42,0.12)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(W / 2, 0);
  ctx.lineTo(W / 2, H);
  ctx.moveTo(0, H / 2);
  ctx.lineTo(W, H / 2);
  ctx.stroke();
}

function dot(ctx, x, y, fill, isTest, picked) {
  ctx.beginPath();
  ctx.arc(x, y, picked ? 7 : 3.6, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = picked ? 3 : isTest ? 1.4 : 1;
  ctx.strokeStyle = picked ? COLORS.active : isTest ? COLORS.test : "#fff";
  ctx.stroke();
}

// Which data point is nearest a click on the boundary canvas (index into layout.points), or -1.
export function pickPoint(canvas, layout, event, showTest) {
  const r = canvas.getBoundingClientRect();
  const E = layout.extent;
  const x = ((event.clientX - r.left) / r.width) * 2 * E - E;
  const yPlane = E - ((event.clientY - r.top) / r.height) * 2 * E;
  let best = -1, bestD = Infinity;
  const ys = layout.points.y;
  const lim = Math.max(2.5, ...ys.map(Math.abs)) * 1.1;
  layout.points.x.forEach((p, i) => {
    if (i >= layout.n_train && !showTest) return;
    const py = layout.kind === "regression" ? (ys[i] / lim) * E : p[1];
    const d = (p[0] - x) ** 2 + (py - yPlane) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  });
  return best;
}

// Loss (and accuracy) over steps: history rows are [step, train loss, test loss, train acc, test acc].
export function drawCurves(canvas, history, which) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 26;
  ctx.clearRect(0, 0, W, H);
  const cols = which === "loss" ? [1, 2] : [3, 4];
  const rows = history.filter((h) => h[cols[0]] !== null && h[cols[0]] !== undefined);
  ctx.fillStyle = "#64748b";
  ctx.font = "11px system-ui, sans-serif";
  if (rows.length < 1) {
    ctx.fillText(which === "loss" ? "loss: press play" : "accuracy: not for regression", pad, H / 2);
    return;
  }
  const maxStep = Math.max(1, rows[rows.length - 1][0]);
  let top = which === "loss" ? 0 : 1;
  for (const r of rows) for (const c of cols) if (r[c] !== null && isFinite(r[c])) top = Math.max(top, r[c]);
  if (which === "loss") top *= 1.05;
  const px = (s) => pad + (s / maxStep) * (W - pad - 8);
  const py = (v) => H - 16 - (v / top) * (H - 24);
  ctx.strokeStyle = "#e2e8f0";
  ctx.beginPath();
  ctx.moveTo(pad, H - 16);
  ctx.lineTo(W - 8, H - 16);
  ctx.moveTo(pad, 6);
  ctx.lineTo(pad, H - 16);
  ctx.stroke();
  ctx.fillText(top.toPrecision(2), 2, 12);
  ctx.fillText("0", 14, H - 14);
  ctx.fillText(`step ${rows[rows.length - 1][0]}`, W - 70, H - 3);
  const styles = [["#0f172a", []], ["#94a3b8", [4, 3]]];
  cols.forEach((c, k) => {
    ctx.strokeStyle = styles[k][0];
    ctx.setLineDash(styles[k][1]);
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    let started = false;
    for (const r of rows) {
      if (r[c] === null || !isFinite(r[c])) continue;
      started ? ctx.lineTo(px(r[0]), py(r[c])) : ctx.moveTo(px(r[0]), py(r[c]));
      started = true;
    }
    ctx.stroke();
  });
  ctx.setLineDash([]);
}

// ---- the Playground's extras: feature pictures, data set thumbnails, numeric axes ----

// An input feature over the plane as thumbnail bytes (row 0 the top, x2 largest), as the server sends a
// neuron's: values scaled into -1..1 by their largest size. The same expressions as config.FEATURES.
const FEATURE_FUNCTIONS = {
  x1: (a) => a, x2: (a, b) => b, "x1^2": (a) => a * a, "x2^2": (a, b) => b * b,
  "x1*x2": (a, b) => a * b, "sin(x1)": (a) => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b),
};

export function featureThumb(name, n, extent) {
  const f = FEATURE_FUNCTIONS[name];
  const values = [];
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const a = -extent + (2 * extent * c) / (n - 1), b = extent - (2 * extent * r) / (n - 1);
      values.push(f(a, b));
    }
  const m = Math.max(1e-9, ...values.map(Math.abs));
  let s = "";
  values.forEach((v) => (s += String.fromCharCode(Math.round((v / m + 1) * 127.5))));
  return { scale: m, data: btoa(s) };
}

// The same for 1-D data: the feature as a curve over x.
export function featureCurve(name, n, extent) {
  const f = FEATURE_FUNCTIONS[name];
  return Array.from({ length: n }, (_, i) => f(-extent + (2 * extent * i) / (n - 1), 0));
}

// A data set's thumbnail: its points, coloured by class, on white.
export function drawPreview(canvas, preview) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  preview.x.forEach((p, i) => {
    ctx.beginPath();
    ctx.arc(((p[0] + 1.1) / 2.2) * W, H - ((p[1] + 1.1) / 2.2) * H, 1.6, 0, 2 * Math.PI);
    ctx.fillStyle = rgb(CLASS_RGB[preview.y[i] % 3]);
    ctx.fill();
  });
}

// Tick values and their positions (0..1 from the left, or from the top) for the output plot's axes.
export function axisTicks(layout) {
  const E = layout.extent;
  const along = [-1, -0.5, 0, 0.5, 1].map((v) => [v, (v + E) / (2 * E)]);
  if (layout.kind !== "regression") return { x: along, y: along.map(([v, t]) => [v, 1 - t]), xName: "x1", yName: "x2" };
  const lim = Math.max(2.5, ...layout.points.y.map(Math.abs)) * 1.1;
  const step = lim > 4 ? 2 : 1;
  const ys = [];
  for (let v = -Math.floor(lim / step) * step; v <= lim; v += step) ys.push([v, 0.5 - v / lim / 2]);
  return { x: along, y: ys, xName: "x", yName: "y" };
}
