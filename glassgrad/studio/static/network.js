// The network view: a column per layer, each neuron a small picture of what it computes over the input
// plane, and every weight an edge whose colour is its sign (blue +, orange −) and whose width its size.
// Names: layer ℓ is the layer whose weights are Wℓ (1-based); its neuron j is row j of Wℓ (0-based), so
// "layer1.neuron0" owns W1[0,:] and b1[0], as in the step view and the server's API.

import { COLORS, drawThumb, featureCurve, featureThumb, rgb } from "./plots.js";

export const FEATURE_LABELS = {
  x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin x₁", "sin(x2)": "sin x₂",
};

const SVG = "http://www.w3.org/2000/svg";
const NODE = 44; // a neuron's box, px
const ROW = 58; // vertical distance between neurons
const COL = 124; // horizontal distance between layers
const TOP = 58; // room for the layer headers
const LEFT = 44; // room for the inputs' labels

function el(tag, attrs = {}, parent = null, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}

export class NetworkView {
  constructor(root, { onHidden, onNeuron, onHover, limits }) {
    this.root = root;
    this.onHover = onHover || (() => {});
    this.onHidden = onHidden;
    this.onNeuron = onNeuron;
    this.limits = limits;
    this.edges = [];
    this.canvases = [];
  }

  // Rebuild for a new layout (data set or architecture changed).
  build(layout) {
    this.layout = layout;
    const sizes = layout.sizes;
    const hidden = sizes.slice(1, -1);
    this.root.innerHTML = "";
    const height = TOP + Math.max(...sizes) * ROW + 6;
    const width = LEFT + (sizes.length - 1) * COL + NODE + 24;
    const box = el("div", { class: "net-box" }, this.root);
    box.style.width = `${width}px`;
    box.style.height = `${height}px`;

    // the architecture controls: layers
    const bar = el("div", { class: "net-bar" }, this.root);
    const addLayer = el("button", { class: "small", "data-testid": "add-layer", title: "add a hidden layer", text: "+ layer" }, bar);
    const removeLayer = el("button", { class: "small", "data-testid": "remove-layer", title: "remove the last hidden layer", text: "− layer" }, bar);
    el("span", { class: "muted", text: `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}` }, bar);
    addLayer.disabled = hidden.length >= this.limits.layers;
    removeLayer.disabled = hidden.length === 0;
    addLayer.onclick = () => this.onHidden([...hidden, Math.min(4, this.limits.neurons)]);
    removeLayer.onclick = () => this.onHidden(hidden.slice(0, -1));
    this.root.insertBefore(bar, box);

    const svg = el("svg", { width, height, class: "net-edges" }, box, SVG);
    const pos = (l, j) => [LEFT + l * COL, TOP + j * ROW + (Math.max(...sizes) - sizes[l]) * ROW / 2];
    this.pos = pos;

    // edges first, so the neurons sit on top of them
    this.edges = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const layerEdges = [];
      for (let j = 0; j < sizes[l + 1]; j++) {
        const row = [];
        for (let i = 0; i < sizes[l]; i++) {
          const [x0, y0] = pos(l, i), [x1, y1] = pos(l + 1, j);
          const a = [x0 + NODE, y0 + NODE / 2], b = [x1, y1 + NODE / 2], mx = (a[0] + b[0]) / 2;
          const path = el("path", {
            d: `M${a[0]},${a[1]} C${mx},${a[1]} ${mx},${b[1]} ${b[0]},${b[1]}`,
            fill: "none", stroke: "#cbd5e1", "stroke-width": 1, class: "edge",
            "data-testid": `edge-${l}-${j}-${i}`,
          }, svg, SVG);
          el("title", { text: `W${l + 1}[${j},${i}]` }, path, SVG);
          row.push(path);
        }
        layerEdges.push(row);
      }
      this.edges.push(layerEdges);
    }

    // headers: per hidden layer, + and − for its neurons
    sizes.forEach((n, l) => {
      const head = el("div", { class: "layer-head" }, box);
      head.style.left = `${LEFT + l * COL - 30}px`;
      head.style.width = `${NODE + 60}px`;
      if (l === 0) head.textContent = "inputs";
      else if (l === sizes.length - 1) {
        el("div", { text: `layer ${l}` }, head);
        el("div", { class: "muted", text: n === 1 ? "output" : `${n} outputs` }, head);
      } else {
        const k = l - 1;
        const minus = el("button", { class: "tiny", title: "one neuron fewer", text: "−", "data-testid": `remove-neuron-${k}` }, head);
        const plus = el("button", { class: "tiny", title: "one neuron more", text: "+", "data-testid": `add-neuron-${k}` }, head);
        el("div", { class: "muted", text: `layer ${l}: ${n}` }, head);
        minus.disabled = n <= 1;
        plus.disabled = n >= this.limits.neurons;
        minus.onclick = () => this.onHidden(hidden.map((h, i) => (i === k ? h - 1 : h)));
        plus.onclick = () => this.onHidden(hidden.map((h, i) => (i === k ? h + 1 : h)));
      }
    });

    // neurons
    this.canvases = [];
    sizes.forEach((n, l) => {
      const column = [];
      for (let j = 0; j < n; j++) {
        const [x, y] = pos(l, j);
        const node = el("div", { class: l === 0 ? "neuron input" : "neuron" }, box);
        node.style.left = `${x}px`;
        node.style.top = `${y}px`;
        const canvas = el("canvas", { width: 48, height: 48 }, node);
        if (l === 0) {
          const name = layout.features[j];
          el("span", { class: "node-label", text: FEATURE_LABELS[name] || name }, node);
          node.dataset.feature = name;
          drawThumb(canvas, layout.kind === "regression" ? featureCurve(name, layout.thumb, layout.extent)
            : featureThumb(name, layout.thumb, layout.extent), layout.thumb);
        } else {
          const id = `layer${l}.neuron${j}`;
          node.dataset.unit = id;
          node.setAttribute("data-testid", `neuron-${id}`);
          node.title = `${id} (row ${j} of W${l}) — click to see it in the step view`;
          node.onclick = () => this.onNeuron(id);
          column.push(canvas);
        }
        node.onmouseenter = () => this.onHover(l, j);
        node.onmouseleave = () => this.onHover(null, null);
      }
      if (l > 0) this.canvases.push(column);
    });
  }

  // New numbers: edge widths and colours from the weights, thumbnails from the neurons' outputs.
  update(state) {
    if (!this.layout) return;
    state.weights.forEach((W, l) => {
      W.forEach((row, j) =>
        row.forEach((w, i) => {
          const path = this.edges[l] && this.edges[l][j] && this.edges[l][j][i];
          if (!path) return;
          const width = Math.max(0.4, Math.min(7, Math.abs(w) * 3));
          path.setAttribute("stroke-width", width.toFixed(2));
          path.setAttribute("stroke", rgb(w >= 0 ? COLORS.pos : COLORS.neg, Math.min(0.95, 0.35 + Math.abs(w) / 2)));
          path.firstChild.textContent = `W${l + 1}[${j},${i}] = ${w}`;
        }),
      );
    });
    (state.thumbs || []).forEach((layer, l) =>
      layer.forEach((thumb, j) => {
        const canvas = this.canvases[l] && this.canvases[l][j];
        if (canvas) drawThumb(canvas, thumb, this.layout.thumb);
      }),
    );
  }
}
