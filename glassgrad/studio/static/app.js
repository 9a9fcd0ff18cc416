// The studio page: reads the configuration from the address bar, asks the server for a session, wires
// the controls, and draws what the WebSocket streams. The whole state lives in the URL's query string.

import { api, openStream } from "./api.js";
import { drawBoundary, drawCurves, pickPoint } from "./plots.js";
import { NetworkView } from "./network.js";
import { StepView } from "./stepview.js";

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

const app = {
  options: null, sid: null, layout: null, state: null, history: [], config: null, stream: null,
  running: false,
};

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

function fmtNumber(x) {
  if (x === null || x === undefined) return "–";
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
    else if (NUMBERS.includes(key)) config[key] = Number(raw);
    else config[key] = raw;
  }
  return config;
}

function writeURL(config) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(config)) q.set(k, Array.isArray(v) ? v.join(",") : String(v));
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
}

function wireControls() {
  const send = (patch) => changeConfig(patch);
  $("dataset").onchange = (e) => {
    const name = e.target.value;
    const allowed = app.options.losses_for[app.options.kinds[name]];
    const patch = { dataset: name };
    if (!allowed.includes(app.config.loss)) patch.loss = allowed[0];
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
  app.config = layout.config;
  app.history = layout.history.slice();
  setControls(layout.config, layout.kind);
  writeURL(layout.config);
  app.network.build(layout);
  app.stepView.setCounts(layout);
  if (!document.getElementById("codeview").hidden) loadCode();
  drawOutput();
}

function applyState(state) {
  if (!app.layout || state.version !== app.layout.version) return; // from a run since replaced
  app.state = state;
  $("epoch").textContent = String(state.step);
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
  drawOutput();
}

function drawOutput() {
  if (!app.layout) return;
  drawBoundary($("boundary"), app.layout, app.state, { showTest: $("show-test").checked, picked: app.stepView.pickedPoint() });
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
    onNeuron: (unit) => {
      document.querySelector('[data-tab="stepview"]').click();
      if (app.stepView.data) app.stepView.openNeuron(unit);
      else app.stepView.load().then(() => app.stepView.openNeuron(unit));
    },
  });
  app.stepView = new StepView(document.getElementById("stepview"), () => app.sid);
  wireControls();
  setRunning(false);
  let created;
  try {
    created = await api.create(configFromURL());
  } catch (e) {
    showError(`The address holds a setting the studio cannot use (${e.message}); starting from the defaults.`);
    created = await api.create({});
  }
  app.sid = created.session;
  document.body.dataset.session = app.sid; // for scripts and tests that talk to the server beside the page
  applyLayout(created.layout);
  app.stream = openStream(app.sid, onMessage, (status) => {
    $("status").textContent = status;
    $("status").className = `status ${status}`;
  });
}

main().catch((e) => showError(`The studio could not start: ${e.message}`));
