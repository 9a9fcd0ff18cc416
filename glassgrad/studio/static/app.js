// The studio page: reads the configuration from the address bar, asks the server for a session, wires
// the controls, and draws what the WebSocket streams. The configuration lives in the URL's query string;
// the tab's session and its step count live in sessionStorage, so a reload comes back to the same run
// (the live session if the server still has it, else a new one trained again to the same step).

import { api, openStream } from "./api.js";
import { axisTicks, drawBoundary, drawCurves, drawPreview, drawThumb, featureCurve, featureThumb, pickPoint } from "./plots.js";
import { FEATURE_LABELS, NetworkView } from "./network.js";
import { StepView } from "./stepview.js";
import { HealthView } from "./health.js";

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const LABELS = {
  moons: "two moons", circles: "circles", xor: "xor", spiral: "spiral (3 classes)", blobs: "blobs (3 classes)",
  quadratic: "quadratic (regression)", cross_entropy: "cross-entropy", mse: "mean squared error",
  mae: "mean absolute error", hinge: "hinge", sgd: "SGD", momentum: "SGD + momentum", adam: "Adam",
  rmsprop: "RMSprop", none: "none", l1: "L1", l2: "L2", leaky_relu: "leaky ReLU", relu: "ReLU",
  tanh: "tanh", sigmoid: "sigmoid", linear: "linear (none)",
};
const NUMBERS = ["noise", "split", "lr", "batch_size", "reg_rate", "seed"];
const SAVED = "glassgrad-studio"; // sessionStorage key: {sid, step, config}

const app = {
  options: null, sid: null, layout: null, state: null, history: [], config: null, stream: null,
  running: false, hover: null, speed: null,
};

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

// At most 7 characters, so the header's fixed boxes always hold them: 0.1234, 12.34, 7.12e-4.
function fmtNumber(x) {
  if (x === null || x === undefined) return "–";
  if (x !== 0 && (Math.abs(x) < 0.001 || Math.abs(x) >= 10000)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

// ---- the URL ----

function configFromURL() {
  const q = new URLSearchParams(location.search);
  const config = {};
  for (const key of Object.keys(app.options.defaults)) {
    if (!q.has(key)) continue;
    const raw = q.get(key);
    if (key === "hidden") config.hidden = raw === "" ? [] : raw.split(",").map(Number);
    else if (key === "features") config.features = raw === "" ? [] : raw.split(",");
    else if (NUMBERS.includes(key)) config[key] = Number(raw);
    else config[key] = raw;
  }
  return config;
}

function writeURL(config) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(config)) q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  if (app.speed !== null) q.set("speed", String(app.speed));
  history.replaceState(null, "", `${location.pathname}?${q.toString()}`);
}

// ---- controls ----

function fillSelect(select, values, current) {
  select.innerHTML = "";
  const list = values.includes(current) || current === undefined ? values : [...values, current].sort((a, b) => a - b);
  for (const v of list) {
    const o = document.createElement("option");
    o.value = String(v);
    o.textContent = LABELS[v] || String(v);
    select.appendChild(o);
  }
  if (current !== undefined) select.value = String(current);
}

function setControls(config, kind) {
  const o = app.options.options;
  fillSelect($("dataset"), o.dataset, config.dataset);
  fillSelect($("activation"), o.activation, config.activation);
  fillSelect($("loss-fn"), app.options.losses_for[kind], config.loss);
  fillSelect($("optimizer"), o.optimizer, config.optimizer);
  fillSelect($("regularization"), o.regularization, config.regularization);
  fillSelect($("learning-rate"), LRS, config.lr);
  fillSelect($("reg-rate"), REG_RATES, config.reg_rate);
  $("reg-rate").disabled = config.regularization === "none";
  $("noise").value = config.noise;
  $("noise-value").textContent = config.noise;
  $("split").value = config.split;
  $("split-value").textContent = `${Math.round(config.split * 100)}%`;
  $("batch-size").value = config.batch_size;
  $("seed").value = config.seed;
  document.querySelectorAll(".thumb").forEach((t) => t.classList.toggle("on", t.dataset.name === config.dataset));
  buildFeatures(config, kind);
}

// The data sets as small pictures; a click chooses one, as the select does.
function buildThumbs() {
  const box = $("dataset-thumbs");
  for (const name of app.options.options.dataset) {
    const b = document.createElement("button");
    b.className = "thumb";
    b.dataset.name = name;
    b.setAttribute("data-testid", `thumb-${name}`);
    b.title = LABELS[name] || name;
    const c = document.createElement("canvas");
    c.width = 56;
    c.height = 56;
    b.appendChild(c);
    drawPreview(c, app.options.previews[name]);
    b.onclick = () => {
      $("dataset").value = name;
      $("dataset").dispatchEvent(new Event("change"));
    };
    box.appendChild(b);
  }
}

// The input features, each drawn as its picture over the plane; a click turns it on or off.
function buildFeatures(config, kind) {
  const box = $("features");
  box.innerHTML = "";
  const n = 16, extent = app.layout ? app.layout.extent : 1.25;
  for (const name of app.options.features[config.dataset]) {
    const on = config.features.includes(name);
    const b = document.createElement("button");
    b.className = on ? "feature on" : "feature";
    b.setAttribute("data-testid", `feature-${name}`);
    b.setAttribute("aria-pressed", String(on));
    b.title = on ? "click to take this input away" : "click to give the network this input";
    const c = document.createElement("canvas");
    c.width = 32;
    c.height = 32;
    b.appendChild(c);
    const label = document.createElement("span");
    label.textContent = FEATURE_LABELS[name] || name;
    b.appendChild(label);
    drawThumb(c, kind === "regression" ? featureCurve(name, 24, extent) : featureThumb(name, n, extent), n);
    b.onclick = () => {
      const chosen = on ? config.features.filter((f) => f !== name) : [...config.features, name];
      if (chosen.length === 0) return showError("The network needs at least one input: turn another on first.");
      changeConfig({ features: chosen });
    };
    box.appendChild(b);
  }
}

function wireControls() {
  const send = (patch) => changeConfig(patch);
  $("dataset").onchange = (e) => {
    const name = e.target.value;
    const allowed = app.options.losses_for[app.options.kinds[name]];
    const patch = { dataset: name };
    if (!allowed.includes(app.config.loss)) patch.loss = allowed[0];
    // from 1-D data (x1 only) to the plane: give back x2 as well
    if (app.options.kinds[name] !== "regression" && app.config.features.every((f) => !f.includes("x2")))
      patch.features = [...app.config.features, "x2"];
    send(patch);
  };
  $("activation").onchange = (e) => send({ activation: e.target.value });
  $("loss-fn").onchange = (e) => send({ loss: e.target.value });
  $("optimizer").onchange = (e) => send({ optimizer: e.target.value });
  $("regularization").onchange = (e) => send({ regularization: e.target.value });
  $("learning-rate").onchange = (e) => send({ lr: Number(e.target.value) });
  $("reg-rate").onchange = (e) => send({ reg_rate: Number(e.target.value) });
  $("noise").oninput = (e) => ($("noise-value").textContent = e.target.value);
  $("noise").onchange = (e) => send({ noise: Number(e.target.value) });
  $("split").oninput = (e) => ($("split-value").textContent = `${Math.round(e.target.value * 100)}%`);
  $("split").onchange = (e) => send({ split: Number(e.target.value) });
  $("batch-size").onchange = (e) => send({ batch_size: Number(e.target.value) });
  $("seed").onchange = (e) => send({ seed: Number(e.target.value) });

  $("play").onclick = async () => {
    setRunning(true);
    await guard(api.play(app.sid));
  };
  $("pause").onclick = async () => {
    setRunning(false);
    await guard(api.pause(app.sid));
  };
  $("step").onclick = async () => {
    setRunning(false);
    const r = await guard(api.step(app.sid, 1));
    if (r) applyState(r.state);
  };
  $("reset").onclick = async () => {
    const r = await guard(api.reset(app.sid));
    if (r) {
      applyLayout(r.layout);
      applyState(r.state);
    }
  };
  $("speed").onchange = async (e) => {
    const value = e.target.value === "max" ? null : Number(e.target.value);
    const r = await guard(api.speed(app.sid, value));
    if (r) {
      app.speed = r.steps_per_second;
      writeURL(app.config);
    }
  };
  $("show-test").onchange = () => drawOutput();
  $("boundary").onclick = (e) => {
    if (!app.layout) return;
    const i = pickPoint($("boundary"), app.layout, e, $("show-test").checked);
    if (i >= 0) app.stepView.pick(i);
  };
  document.querySelectorAll(".tabs button").forEach((b) => {
    b.onclick = () => {
      document.querySelectorAll(".tabs button").forEach((x) => x.classList.toggle("on", x === b));
      document.querySelectorAll("section.tab").forEach((s) => (s.hidden = s.id !== b.dataset.tab));
      if (b.dataset.tab === "codeview") loadCode();
    };
  });
  $("code-steps").onchange = () => loadCode();
  document.querySelectorAll("[data-copy]").forEach((b) => {
    b.onclick = () => navigator.clipboard && navigator.clipboard.writeText($(b.dataset.copy).textContent);
  });
  document.addEventListener("picked", () => drawOutput());
}

async function guard(promise) {
  try {
    const r = await promise;
    showError("");
    return r;
  } catch (e) {
    showError(e.message);
    return null;
  }
}

function setRunning(on) {
  app.running = on;
  document.body.classList.toggle("running", on);
  $("play").disabled = on;
  $("pause").disabled = !on;
}

async function changeConfig(patch) {
  const r = await guard(api.config(app.sid, patch));
  if (r) {
    applyLayout(r.layout);
    applyState(r.state);
  } else {
    setControls(app.config, app.layout.kind); // put the controls back as the server has them
  }
}

// ---- drawing what the server sends ----

function applyLayout(layout) {
  app.layout = layout;
  app.hover = null;
  app.config = layout.config;
  app.history = layout.history.slice();
  setControls(layout.config, layout.kind);
  writeURL(layout.config);
  save();
  drawAxes(layout);
  app.network.build(layout);
  app.stepView.setCounts(layout);
  if (!document.getElementById("codeview").hidden) loadCode();
  drawOutput();
}

function applyState(state) {
  if (!app.layout || state.version !== app.layout.version) return; // from a run since replaced
  app.state = state;
  $("epoch").textContent = String(state.step);
  save();
  $("epoch-fraction").textContent = state.epoch_fraction.toFixed(2);
  $("loss").textContent = state.train_loss === null ? "NaN" : fmtNumber(state.train_loss);
  $("test-loss").textContent = fmtNumber(state.test_loss);
  $("accuracy").textContent = state.test_acc === null || state.test_acc === undefined ? "–" : `${(state.test_acc * 100).toFixed(1)}%`;
  if (state.diverged) {
    showError("The loss became infinite or NaN: the learning rate is too large for this network. Lower it and reset.");
    setRunning(false);
  }
  const p = state.history_point;
  const last = app.history[app.history.length - 1];
  if (p && (!last || p[0] > last[0])) {
    app.history.push(p);
    if (app.history.length > 1500) app.history = app.history.filter((_, i) => i % 2 === 0 || i === app.history.length - 1);
  }
  app.network.update(state);
  app.health.update(state.health);
  drawOutput();
}

// What this tab must remember to come back to the same run after a reload.
function save() {
  if (!app.sid || !app.layout) return;
  const step = app.state && app.state.version === app.layout.version ? app.state.step : 0;
  sessionStorage.setItem(SAVED, JSON.stringify({ sid: app.sid, step, config: app.config }));
}

function drawAxes(layout) {
  const t = axisTicks(layout);
  const put = (box, ticks, name, horizontal) => {
    box.innerHTML = "";
    for (const [v, at] of ticks) {
      const s = document.createElement("span");
      s.textContent = String(v);
      s.style[horizontal ? "left" : "top"] = `${(at * 100).toFixed(2)}%`;
      box.appendChild(s);
    }
    const n = document.createElement("b");
    n.textContent = name;
    box.appendChild(n);
  };
  put($("axis-x"), t.x, t.xName, true);
  put($("axis-y"), t.y, t.yName, false);
}

function drawOutput() {
  if (!app.layout) return;
  const h = app.hover;
  if (h && app.state && app.state.thumbs) {
    // a hovered neuron (or input): its picture, large, where the output is
    const canvas = $("boundary");
    if (h.l === 0) {
      const name = app.layout.features[h.j];
      const n = app.layout.thumb;
      drawThumb(canvas, app.layout.kind === "regression" ? featureCurve(name, n, app.layout.extent)
        : featureThumb(name, n, app.layout.extent), n);
      $("plot-caption").textContent = `input ${FEATURE_LABELS[name] || name} over the input plane`;
    } else {
      drawThumb(canvas, app.state.thumbs[h.l - 1][h.j], app.layout.thumb);
      $("plot-caption").textContent = `layer${h.l}.neuron${h.j} over the input plane (hovered)`;
    }
    canvas.dataset.showing = h.l === 0 ? `input-${h.j}` : `layer${h.l}.neuron${h.j}`;
  } else {
    $("plot-caption").textContent = "the network's output over the input plane";
    $("boundary").dataset.showing = "output";
    drawBoundary($("boundary"), app.layout, app.state, { showTest: $("show-test").checked, picked: app.stepView.pickedPoint() });
  }
  drawCurves($("loss-curve"), app.history, "loss");
  drawCurves($("acc-curve"), app.history, "accuracy");
}

async function loadCode() {
  const steps = Math.max(1, Math.min(100000, Number($("code-steps").value) || 200));
  const r = await guard(api.code(app.sid, steps));
  if (r) {
    $("code-glassgrad").textContent = r.glassgrad;
    $("code-pytorch").textContent = r.pytorch;
  }
}

function onMessage(message) {
  if (message.type === "layout") {
    if (!app.layout || message.version !== app.layout.version) applyLayout(message);
  } else if (message.type === "state") applyState(message);
  else if (message.type === "error") showError(message.message);
}

async function main() {
  app.options = await api.options();
  app.network = new NetworkView($("network"), {
    limits: app.options.limits,
    onHidden: (hidden) => changeConfig({ hidden }),
    onHover: (l, j) => {
      app.hover = l === null ? null : { l, j };
      drawOutput();
    },
    onNeuron: (unit) => {
      document.querySelector('[data-tab="stepview"]').click();
      if (app.stepView.data) app.stepView.openNeuron(unit);
      else app.stepView.load().then(() => app.stepView.openNeuron(unit));
    },
  });
  app.stepView = new StepView(document.getElementById("stepview"), () => app.sid);
  app.health = new HealthView($("health"));
  wireControls();
  buildThumbs();
  setRunning(false);
  const wanted = configFromURL();
  const speed = new URLSearchParams(location.search).get("speed");
  const saved = JSON.parse(sessionStorage.getItem(SAVED) || "null");
  let attached = null;
  if (saved && saved.sid && sameConfig(saved.config, wanted)) {
    try {
      attached = await api.session(saved.sid); // the server still has this tab's session: go on with it
    } catch (e) {
      attached = null; // closed (or the server restarted): build it again below
    }
  }
  let created = attached;
  if (!created) {
    try {
      created = await api.create(wanted);
    } catch (e) {
      showError(`The address holds a setting the studio cannot use (${e.message}); starting from the defaults.`);
      created = await api.create({});
    }
  }
  app.sid = created.session;
  document.body.dataset.session = app.sid; // for scripts and tests that talk to the server beside the page
  applyLayout(created.layout);
  if (attached) {
    applyState(attached.state);
    setRunning(attached.running);
  } else if (saved && saved.step > 0 && sameConfig(saved.config, created.layout.config)) {
    // a new session for the same configuration: train it again to where this tab was (same seed, same run)
    let state = null;
    for (let left = saved.step; left > 0; left -= 1000) state = (await api.step(app.sid, Math.min(1000, left))).state;
    applyState(state);
  }
  if (speed !== null && speed !== "max" && Number(speed) >= 1) {
    $("speed").value = speed;
    $("speed").dispatchEvent(new Event("change"));
  }
  app.stream = openStream(app.sid, onMessage, (status) => {
    $("status").textContent = status;
    $("status").className = `status ${status}`;
  });
}

// Does the configuration `config` (complete) agree with every field `wanted` (from the address) names?
function sameConfig(config, wanted) {
  if (!config) return false;
  return Object.entries(wanted).every(([k, v]) => JSON.stringify(config[k]) === JSON.stringify(v));
}

main().catch((e) => showError(`The studio could not start: ${e.message}`));
