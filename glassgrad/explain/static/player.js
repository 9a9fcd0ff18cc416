/* glassgrad step-through player: plain JS, no network, inlined into the HTML file.
 *
 * Reads the model and the steps from <script id="gg-data" type="application/json">, then walks the
 * steps: forward in topological order (each node's value appears as it is computed), then backward
 * (each edge passes local derivative x upstream gradient). Predict mode hides each step's result
 * until the learner has typed a guess and pressed reveal (or Enter).
 * Keys: -> / j next, <- / k back, Home / End, space play/pause; + / - zoom, 0 fits the drawing.
 * The drawing opens fitted to its panel's width; ctrl+wheel zooms, dragging the background pans, and
 * every step scrolls the panel so that the active node is in view.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gg-data").textContent);
  var steps = data.steps || [];
  var nodes = {};
  data.graph.nodes.forEach(function (n) { nodes[n.id] = n; });
  var q = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var ui = {
    next: q("next"), prev: q("prev"), play: q("play"), first: q("first"), last: q("last"),
    index: q("step-index"), phase: q("phase"), formula: q("formula"), rule: q("rule"),
    toggle: q("predict-toggle"), box: document.querySelector(".gg-predict"),
    input: q("predict-input"), ask: document.querySelector(".gg-ask"), reveal: q("reveal"), verdict: q("verdict"),
    details: q("details"), expandAll: q("expand-all"),
    zoomIn: q("zoom-in"), zoomOut: q("zoom-out"), zoomFit: q("zoom-fit"), zoomLevel: q("zoom-level")
  };
  var pos = 0, timer = null, predict = false, revealed = false;
  var rootLabel = nodes[data.graph.root].label;
  var rootName = rootLabel === "out" ? "f" : rootLabel;  // the text says ∂f/∂x for an unlabelled output
  var view = document.querySelector(".gg-view:not([hidden])");
  var panel = document.querySelector(".gg-graph");
  var zoom = 1, fitted = true;  // the drawing's scale; fitted: follows the panel's width

  // When each node's value is computed and its gradient is complete (step indices).
  var valueAt = {}, gradAt = {}, firstBackward = -1;
  steps.forEach(function (s, i) {
    if (s.phase === "forward") valueAt[s.target] = i;
    else {
      gradAt[s.target] = i;
      if (firstBackward < 0) firstBackward = i;
    }
  });

  function gradShown(id) {
    if (firstBackward < 0) return true;                       // nothing to step through backward
    if (id === data.graph.root) return pos - 1 >= firstBackward;  // dL/dL = 1 starts the backward pass
    if (id in gradAt) return done(gradAt[id]);                // complete after its last contribution
    return pos >= steps.length;
  }

  function done(i) {  // has step i (0-based) happened, result shown?
    if (i === undefined) return true;
    if (i < pos - 1) return true;
    if (i <= pos - 1) return !predict || revealed || !isNumber(steps[pos - 1].result);
    return false;
  }
  function isNumber(x) { return typeof x === "number"; }

  function fmt(x) {
    if (x === null || x === undefined) return "—";
    if (typeof x === "string") return x;
    if (typeof x === "number") {
      var a = Math.abs(x);
      return (x === 0 || (a >= 1e-3 && a < 1e5)) ? x.toFixed(4) : x.toExponential(3);
    }
    return JSON.stringify(x);
  }

  function setNum(g, cls, show) {
    var t = g.querySelector("." + cls + " .gg-num");
    if (t) t.textContent = show ? t.getAttribute("data-text") : "?";
    var pic = g.querySelector(".gg-pic-" + cls.slice(3));  // a tensor's table or heatmap
    if (pic) pic.style.visibility = show ? "" : "hidden";
  }

  // ---- zoom and pan: the drawing opens fitted to its panel; buttons, ctrl+wheel and dragging move it
  function svgOf(v) { return v.querySelector("svg"); }
  function natural(svg) {
    var vb = svg.getAttribute("viewBox").split(/[ ,]+/).map(Number);
    return { w: vb[2], h: vb[3] };
  }
  function applyZoom() {
    document.querySelectorAll(".gg-view").forEach(function (v) {
      var svg = svgOf(v);
      if (!svg) return;
      var n = natural(svg);
      svg.setAttribute("width", Math.round(n.w * zoom));
      svg.setAttribute("height", Math.round(n.h * zoom));
    });
    if (ui.zoomLevel) ui.zoomLevel.textContent = Math.round(zoom * 100) + "%";
  }
  function fit() {  // the whole drawing in the panel's width (never enlarged past 100%)
    var svg = svgOf(view);
    if (!svg || !panel) return;
    var room = panel.clientWidth - 18;
    zoom = Math.max(0.1, Math.min(1, room / natural(svg).w));
    fitted = true;
    applyZoom();
  }
  function zoomBy(f) {
    zoom = Math.max(0.1, Math.min(4, zoom * f));
    fitted = false;
    applyZoom();
    follow();
  }
  function follow() {  // scroll the panel so that the active node is inside it
    var el = view.querySelector(".gg-node.gg-active, .gg-group.gg-active");
    if (!el || !panel) return;
    var p = panel.getBoundingClientRect(), r = el.getBoundingClientRect(), pad = 12;
    if (r.left < p.left + pad || r.right > p.right - pad) {
      panel.scrollLeft += (r.left + r.right) / 2 - (p.left + p.right) / 2;
    }
    if (r.top < p.top + pad || r.bottom > p.bottom - pad) {
      panel.scrollTop += (r.top + r.bottom) / 2 - (p.top + p.bottom) / 2;
    }
  }

  function locate(id) {  // the element showing node `id` in the current view (its group if folded)
    var el = view.querySelector('.gg-node[data-id="' + id + '"]');
    if (el) return el;
    var groups = view.querySelectorAll(".gg-group");
    for (var i = 0; i < groups.length; i++) {
      if ((" " + groups[i].getAttribute("data-members") + " ").indexOf(" " + id + " ") >= 0) return groups[i];
    }
    return null;
  }
  function shownId(id) { var el = locate(id); return el ? el.getAttribute("data-id") : null; }

  function render() {
    var step = pos > 0 ? steps[pos - 1] : null;
    ui.index.textContent = pos + " / " + steps.length;
    view.querySelectorAll(".gg-active").forEach(function (el) { el.classList.remove("gg-active"); });
    view.querySelectorAll(".gg-node").forEach(function (g) {
      var id = g.getAttribute("data-id");
      setNum(g, "gg-val", done(valueAt[id]));
      setNum(g, "gg-grad", gradShown(id));
    });
    if (!step) {
      ui.phase.textContent = "";
      ui.formula.textContent = steps.length ? "Press → (or j) to step through: forward in topological order, then backward. End shows every number."
                                            : "Nothing to step through: this graph is a single leaf.";
      ui.rule.textContent = "";
      ui.box.hidden = true;
      return;
    }
    var target = locate(step.target);
    if (target) target.classList.add("gg-active");
    var dst = shownId(step.node);
    var srcs = step.phase === "forward" ? step.inputs.map(shownId) : [shownId(step.target)];
    view.querySelectorAll(".gg-edge").forEach(function (e) {
      if (e.getAttribute("data-dst") === dst && srcs.indexOf(e.getAttribute("data-src")) >= 0) e.classList.add("gg-active");
    });
    var node = locate(step.node);
    if (node && step.phase === "backward") node.classList.add("gg-active");
    ui.phase.textContent = step.phase + (step.accumulates ? " (accumulates)" : "");
    ui.phase.className = "gg-phase gg-" + step.phase;
    var text = step.text || "";
    var hide = predict && !revealed && isNumber(step.result);
    ui.formula.textContent = hide ? text.slice(0, text.lastIndexOf("=") + 1) + " ?" : text;
    ui.rule.textContent = step.math || "";
    var who = nodes[step.target] ? nodes[step.target].label : step.target;
    ui.ask.textContent = step.phase === "forward" ? "value of " + who + " =" : "∂" + rootName + "/∂" + who + " so far =";
    ui.box.hidden = !predict;
    ui.input.disabled = ui.reveal.disabled = !isNumber(step.result) || revealed;
    if (!isNumber(step.result) && predict) ui.verdict.textContent = "(no single number to predict here)";
  }

  function go(p) {
    p = Math.max(0, Math.min(steps.length, p));
    if (p !== pos) {
      pos = p; revealed = false;
      ui.input.value = ""; ui.verdict.textContent = ""; ui.verdict.className = "gg-verdict";
    }
    render();
    follow();
  }
  function next() { go(pos + 1); }
  function prev() { go(pos - 1); }
  function play() {
    if (timer) { clearInterval(timer); timer = null; ui.play.textContent = "▶ play"; return; }
    if (pos >= steps.length) go(0);
    ui.play.textContent = "❚❚ pause";
    timer = setInterval(function () { if (pos >= steps.length) play(); else next(); }, 900);
  }
  function reveal() {
    var step = steps[pos - 1];
    if (!step || !isNumber(step.result) || revealed) return;
    var guess = parseFloat(String(ui.input.value).replace("−", "-"));
    var r = step.result, tol = 5e-3 + 1e-2 * Math.abs(r);
    if (ui.input.value.trim() === "" || isNaN(guess)) {
      ui.verdict.textContent = "it is " + fmt(r);
      ui.verdict.className = "gg-verdict";
    } else if (Math.abs(guess - r) <= tol) {
      ui.verdict.textContent = "✓ right: " + fmt(r);
      ui.verdict.className = "gg-verdict gg-right";
    } else {
      ui.verdict.textContent = "✗ you said " + guess + ", it is " + fmt(r);
      ui.verdict.className = "gg-verdict gg-wrong";
    }
    revealed = true;
    render();
  }

  function showView(name) {
    var target = document.querySelector('.gg-view[data-view="' + name + '"]');
    if (!target) return;
    document.querySelectorAll(".gg-view").forEach(function (v) { v.hidden = v !== target; });
    view = target;
    if (ui.expandAll) ui.expandAll.textContent = name === "all" ? "collapse all" : "expand all";
    if (fitted) fit();
    render();
    follow();
  }

  function details(id) {
    var n = nodes[id];
    if (!n || !ui.details) return;
    var lines = [n.label + (n.op ? "  = " + n.op + "(…)" : "  (leaf)")];
    if (n.formula) lines.push(n.formula);
    if (n.shape) lines.push("shape " + JSON.stringify(n.shape) + "  " + n.dtype);
    lines.push("value: " + fmt(n.value));
    lines.push("grad:  " + (data.graph.has_grads ? fmt(n.grad) : "no gradients yet: call backward()"));
    ui.details.textContent = lines.join("\n");
  }

  function clicked(fn) { return function (ev) { fn(); if (ev.currentTarget.blur) ev.currentTarget.blur(); }; }
  ui.next.addEventListener("click", clicked(next));
  ui.prev.addEventListener("click", clicked(prev));
  ui.play.addEventListener("click", clicked(play));
  ui.first.addEventListener("click", clicked(function () { go(0); }));
  ui.last.addEventListener("click", clicked(function () { go(steps.length); }));
  ui.reveal.addEventListener("click", reveal);
  ui.toggle.addEventListener("change", function () {
    predict = ui.toggle.checked; revealed = false; ui.toggle.blur(); render();
  });
  ui.input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); reveal(); } });
  if (ui.expandAll) ui.expandAll.addEventListener("click", clicked(function () {
    showView(view.getAttribute("data-view") === "all" ? "collapsed" : "all");
  }));
  document.querySelectorAll(".gg-view").forEach(function (v) {
    v.addEventListener("click", function (ev) {
      var group = ev.target.closest(".gg-group");
      if (group) { var g = group.getAttribute("data-id"); showView(data.views[g] ? g : "all"); return; }
      if (ev.target.closest(".gg-frame-group")) { showView("collapsed"); return; }
      var node = ev.target.closest(".gg-node");
      if (node) details(node.getAttribute("data-id"));
    });
  });
  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === "TEXTAREA" || (tag === "INPUT" && ev.target.type !== "checkbox")) return;  // typing
    var k = ev.key;
    if (k === "ArrowRight" || k === "j") next();
    else if (k === "ArrowLeft" || k === "k") prev();
    else if (k === "Home") go(0);
    else if (k === "End") go(steps.length);
    else if (k === " " || k === "Spacebar") play();
    else if (k === "+" || k === "=") zoomBy(1.25);
    else if (k === "-") zoomBy(0.8);
    else if (k === "0") { fit(); follow(); }
    else return;
    ev.preventDefault();
  });
  if (ui.zoomIn) ui.zoomIn.addEventListener("click", clicked(function () { zoomBy(1.25); }));
  if (ui.zoomOut) ui.zoomOut.addEventListener("click", clicked(function () { zoomBy(0.8); }));
  if (ui.zoomFit) ui.zoomFit.addEventListener("click", clicked(function () { fit(); follow(); }));
  if (panel) {
    panel.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey) return;  // plain wheel scrolls; ctrl (or a pinch) zooms
      ev.preventDefault();
      zoomBy(ev.deltaY < 0 ? 1.1 : 1 / 1.1);
    }, { passive: false });
    var drag = null;
    panel.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || ev.target.closest(".gg-node, .gg-group, .gg-frame-group")) return;
      drag = { x: ev.clientX, y: ev.clientY, left: panel.scrollLeft, top: panel.scrollTop };
      panel.classList.add("gg-panning");
    });
    window.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      panel.scrollLeft = drag.left - (ev.clientX - drag.x);
      panel.scrollTop = drag.top - (ev.clientY - drag.y);
    });
    window.addEventListener("pointerup", function () { drag = null; panel.classList.remove("gg-panning"); });
    window.addEventListener("resize", function () { if (fitted) { fit(); follow(); } });
  }
  fit();
  if (data.start === "end") pos = steps.length;  // a notebook opens on the finished graph
  render();
  follow();
})();
