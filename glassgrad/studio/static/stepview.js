// The step view: one sample played forward, through the loss, backward and into the update, one
// chain-rule step at a time. The server computes it with Part I's scalar engine and narrates it with
// glassgrad.explain.trace; this module only shows it. Each neuron reveals its value once its forward
// steps have run and its gradient once its backward steps have: the numbers appear as backprop finds them.

import { api } from "./api.js";
import { COLORS } from "./plots.js";

const SVG = "http://www.w3.org/2000/svg";
const PHASES = ["forward", "loss", "backward", "update"];
const fmt = (x) => {
  if (x === null || x === undefined) return "";
  if (x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5)) return x.toFixed(4);
  return x.toExponential(3);
};

function el(tag, attrs = {}, parent = null, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}

export class StepView {
  constructor(root, getSession) {
    this.root = root;
    this.getSession = getSession;
    this.data = null;
    this.cur = 0; // steps done
    this.timer = null;
    this.selected = null;
    this.$ = (id) => root.querySelector(`[data-testid="${id}"]`);
    this.$("sv-load").onclick = () => this.load();
    this.$("sv-first").onclick = () => this.go(0);
    this.$("sv-prev").onclick = () => this.go(this.cur - 1);
    this.$("sv-next").onclick = () => this.go(this.cur + 1);
    this.$("sv-last").onclick = () => this.go(this.data ? this.data.steps.length : 0);
    this.$("sv-play").onclick = () => this.togglePlay();
    this.$("sv-close").onclick = () => this.closeNeuron();
    this.$("sv-random").onclick = () => {
      const n = this.$("sv-split").value === "train" ? this.nTrain : this.nTest;
      this.$("sv-index").value = Math.floor(Math.random() * Math.max(1, n));
      this.load();
    };
    root.querySelectorAll("[data-phase]").forEach((chip) => {
      chip.onclick = () => this.jumpTo(chip.dataset.phase);
    });
    // a folded neuron in the operation graph opens in its place when clicked
    this.$("sv-graph").addEventListener("click", (e) => {
      const group = e.target.closest("[data-group]");
      if (group && group.dataset.group.startsWith("layer")) this.openNeuron(group.dataset.group);
    });
    root.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === "ArrowRight") this.go(this.cur + 1);
      if (e.key === "ArrowLeft") this.go(this.cur - 1);
    });
  }

  setCounts(layout) {
    this.nTrain = layout.n_train;
    this.nTest = layout.points.x.length - layout.n_train;
    this.sizes = layout.sizes;
  }

  // Choose a point (index into all points) from a click on the plane.
  pick(pointIndex) {
    const test = pointIndex >= this.nTrain;
    this.$("sv-split").value = test ? "test" : "train";
    this.$("sv-index").value = test ? pointIndex - this.nTrain : pointIndex;
    this.load();
  }

  pickedPoint() {
    if (!this.data) return -1;
    return this.data.split === "train" ? this.data.index : this.nTrain + this.data.index;
  }

  async load() {
    this.stop();
    const sid = this.getSession();
    const split = this.$("sv-split").value;
    const index = Number(this.$("sv-index").value);
    this.$("sv-error").textContent = "";
    try {
      this.data = await api.sample(sid, split, index);
    } catch (e) {
      this.$("sv-error").textContent = e.message;
      return;
    }
    this.lastOf = { forward: {}, backward: {}, update: {}, loss: {} };
    this.data.steps.forEach((s, k) => {
      this.lastOf[s.phase][s.unit] = k;
    });
    this.phaseStart = {};
    this.data.steps.forEach((s, k) => {
      if (!(s.phase in this.phaseStart)) this.phaseStart[s.phase] = k;
    });
    this.drawDiagram();
    this.go(0);
    this.root.dispatchEvent(new CustomEvent("picked", { bubbles: true }));
  }

  jumpTo(phase) {
    if (!this.data || !(phase in this.phaseStart)) return;
    this.go(this.phaseStart[phase] + 1);
  }

  togglePlay() {
    if (this.timer) return this.stop();
    if (!this.data) return;
    if (this.cur >= this.data.steps.length) this.go(0);
    this.$("sv-play").textContent = "❚❚";
    this.timer = setInterval(() => {
      if (this.cur >= this.data.steps.length) return this.stop();
      this.go(this.cur + 1);
    }, Number(this.$("sv-speed").value));
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.$("sv-play").textContent = "▶";
  }

  go(k) {
    if (!this.data) return;
    const n = this.data.steps.length;
    this.cur = Math.max(0, Math.min(n, k));
    const step = this.cur > 0 ? this.data.steps[this.cur - 1] : null;
    this.$("sv-pos").textContent = `${this.cur} / ${n}`;
    this.$("sv-phase").textContent = step ? step.phase : "ready";
    this.$("sv-phase").className = `phase-tag ${step ? step.phase : ""}`;
    this.$("sv-text").textContent = step ? step.text : "Press ▶ or → to run the sample forward, then the loss, backward and the update.";
    this.$("sv-formula").textContent = step ? step.formula : "";
    this.root.querySelectorAll("[data-phase]").forEach((chip) => {
      chip.classList.toggle("on", step !== null && chip.dataset.phase === step.phase);
    });
    // an open neuron panel follows the step's neuron; it opens only when a neuron is clicked
    if (step && step.unit.startsWith("layer") && this.selected !== null) this.selected = step.unit;
    this.reveal(step);
  }

  done(phase, unit) {
    const k = this.lastOf[phase][unit];
    return k !== undefined && this.cur > k;
  }

  // the diagram: inputs, one box per neuron, the loss
  drawDiagram() {
    const box = this.$("sv-diagram");
    box.innerHTML = "";
    const d = this.data;
    const layers = [];
    d.units.forEach((u) => (layers[u.layer] = layers[u.layer] || []).push(u));
    const cols = layers.length + 2;
    const rows = Math.max(d.x.length, ...layers.map((l) => l.length), 1);
    const W = 150, H = 58, GX = 46, GY = 14;
    const width = cols * (W + GX), height = rows * (H + GY) + 10;
    const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "sv-svg" }, box, SVG);
    const at = (c, j, n) => [10 + c * (W + GX), 5 + j * (H + GY) + ((rows - n) * (H + GY)) / 2];
    this.nodes = {};
    const centers = {};
    const node = (key, c, j, n, title, testid, unit) => {
      const [x, y] = at(c, j, n);
      const g = el("g", { transform: `translate(${x},${y})`, class: "sv-node", "data-testid": testid }, svg, SVG);
      if (unit) g.dataset.unit = unit;
      el("rect", { width: W, height: H, rx: 8, class: "sv-rect" }, g, SVG);
      el("text", { x: 8, y: 16, class: "sv-name", text: title }, g, SVG);
      const val = el("text", { x: 8, y: 34, class: "sv-val" }, g, SVG);
      const grad = el("text", { x: 8, y: 50, class: "sv-grad" }, g, SVG);
      this.nodes[key] = { g, val, grad };
      centers[key] = [x, y];
      if (unit) g.addEventListener("click", () => this.openNeuron(unit));
      return g;
    };
    // edges under the nodes
    const edges = el("g", {}, svg, SVG);
    d.x.forEach((_, i) => node(`x${i}`, 0, i, d.x.length, `input ${d.features[i]}`, `sv-input-${i}`, null));
    layers.forEach((units, l) =>
      units.forEach((u, j) => node(u.id, l + 1, j, units.length, `${u.id}`, `sv-unit-${u.id}`, u.id)),
    );
    node("loss", cols - 1, 0, 1, "loss L", "sv-loss", null);
    const link = (a, b) => {
      const [x0, y0] = centers[a], [x1, y1] = centers[b];
      const mx = (x0 + W + x1) / 2;
      el("path", { d: `M${x0 + W},${y0 + H / 2} C${mx},${y0 + H / 2} ${mx},${y1 + H / 2} ${x1},${y1 + H / 2}`, class: "sv-edge" }, edges, SVG);
    };
    layers.forEach((units, l) =>
      units.forEach((u) => {
        const prev = l === 0 ? d.x.map((_, i) => `x${i}`) : layers[l - 1].map((p) => p.id);
        prev.forEach((p) => link(p, u.id));
        if (l === layers.length - 1) link(u.id, "loss");
      }),
    );
    this.$("sv-summary").textContent =
      `sample ${d.split} #${d.index}: x = (${d.x.map(fmt).join(", ")}), target ${fmt(d.target)}; ` +
      `loss L = ${fmt(d.loss)}; update: ${d.optimizer} at lr = ${d.lr}, ${d.update_rule}`;
  }

  reveal(step) {
    const d = this.data;
    const active = step ? step.unit : null;
    const setNode = (key, value, grad, showV, showG) => {
      const n = this.nodes[key];
      const name = key === "loss" ? "L" : "a";
      n.val.textContent = showV ? `${name} = ${fmt(value)}` : `${name} = ?`;
      n.grad.textContent = showG ? `∂L/∂${name} = ${fmt(grad)}` : "";
      if (showV) n.g.setAttribute("data-value", String(value));
      else n.g.removeAttribute("data-value");
      if (showG) n.g.setAttribute("data-grad", String(grad));
      else n.g.removeAttribute("data-grad");
      const unit = key.startsWith("x") ? "input" : key;
      n.g.classList.toggle("active", unit === active);
    };
    d.x.forEach((v, i) => {
      setNode(`x${i}`, v, d.x_grad[i], true, this.done("backward", "input"));
      const name = d.features[i];
      this.nodes[`x${i}`].val.textContent = `${name} = ${fmt(v)}`;
      if (this.done("backward", "input")) this.nodes[`x${i}`].grad.textContent = `∂L/∂${name} = ${fmt(d.x_grad[i])}`;
    });
    d.units.forEach((u) => setNode(u.id, u.a, u.grad_a, this.done("forward", u.id), this.done("backward", u.id)));
    setNode("loss", d.loss, 1, this.done("loss", "loss"), this.done("backward", "loss") || this.done("backward", d.units.at(-1).id));
    this.renderParams();
  }

  renderParams() {
    const table = this.$("sv-params");
    table.innerHTML = "";
    const u = this.data.units.find((v) => v.id === this.selected);
    this.$("sv-side").hidden = !u;
    if (!u) return;
    this.$("sv-unit-name").textContent = u.id;
    const head = el("tr", {}, el("thead", {}, table));
    ["parameter", "value", "∂L/∂w", "− update", "after"].forEach((t) => el("th", { text: t }, head));
    const body = el("tbody", {}, table);
    const zRow = el("tr", { class: "zrow" }, body);
    const fwd = this.done("forward", u.id), bwd = this.done("backward", u.id);
    el("td", { text: "z (weighted sum)" }, zRow);
    el("td", { class: "num value", text: fwd ? fmt(u.z) : "?" }, zRow);
    el("td", { class: "num grad", text: bwd ? fmt(u.grad_z) : "" }, zRow);
    el("td", {}, zRow);
    el("td", {}, zRow);
    u.params.forEach((p) => {
      const tr = el("tr", { "data-testid": `sv-param-${p.name}` }, body);
      const updated = this.done("update", u.id);
      el("td", { text: p.name }, tr);
      el("td", { class: "num value", text: fmt(p.value) }, tr);
      el("td", { class: "num grad", text: bwd ? fmt(p.grad) : "" }, tr);
      el("td", { class: "num", text: updated ? fmt(p.update) : "" }, tr);
      el("td", { class: "num", text: updated ? fmt(p.after) : "" }, tr);
      if (bwd) tr.dataset.grad = String(p.grad);
      if (updated) {
        tr.dataset.after = String(p.after);
        tr.dataset.update = String(p.update);
      }
    });
  }

  closeNeuron() {
    this.selected = null;
    this.renderParams();
    this.$("sv-graph").innerHTML = "";
    this.$("sv-graph-title").textContent = "";
  }

  async openNeuron(unit) {
    if (!this.data) return;
    this.selected = unit;
    this.renderParams();
    const holder = this.$("sv-graph");
    holder.textContent = "drawing…";
    try {
      const r = await api.neuron(this.getSession(), this.data.split, this.data.index, unit);
      this.$("sv-graph-title").textContent = `${unit}, opened into its operations (the other neurons folded)`;
      holder.innerHTML = r.svg; // drawn by glassgrad.explain's SVG renderer from our own numbers
    } catch (e) {
      holder.textContent = e.message;
    }
  }
}

export { PHASES, COLORS };
