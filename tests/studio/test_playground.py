"""The Playground's controls on the server: input features, the training speed, the step view's real
optimizer update, and one naming scheme for neurons. Checked against a fresh ``Run``, the session's own
before and after, and hand-written numpy."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from glassgrad.studio.config import FEATURES, ValidationError, validate_config  # noqa: E402
from glassgrad.studio.trainer import Run, make_data, make_inputs  # noqa: E402

from studio_client import new_session, script_client  # noqa: E402


@pytest.fixture
def client():
    with script_client() as c:
        yield c


# ---- input features ----


def test_features_are_the_playgrounds_columns():
    X = np.array([[0.5, -0.25], [-1.0, 0.75]])
    got = make_inputs(X, list(FEATURES))
    x1, x2 = X[:, 0], X[:, 1]
    want = np.stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_array_equal(got, want)


def test_features_validate_in_a_fixed_order():
    assert validate_config({"features": ["sin(x2)", "x1"]})["features"] == ["x1", "sin(x2)"]
    # 1-D data has no x2: its features are dropped, x1's kept
    assert validate_config({"dataset": "quadratic", "loss": "mse", "features": ["x1^2", "x2", "x1*x2"]})["features"] == ["x1^2"]
    for bad, words in (({"features": []}, "at least one"), ({"features": ["x3"]}, "unknown feature"),
                       ({"features": "x1"}, "must be a list"),
                       ({"dataset": "quadratic", "loss": "mse", "features": ["x2"]}, "at least one")):
        with pytest.raises(ValidationError, match=words):
            validate_config(bad)


def test_a_feature_changes_the_networks_inputs(client):
    sid = new_session(client, dataset="circles", features=["x1^2", "x2^2"], hidden=[3])
    r = client.get(f"/api/session/{sid}")
    layout = r.json()["layout"]
    assert layout["sizes"] == [2, 3, 1] and layout["features"] == ["x1^2", "x2^2"]
    r = client.post(f"/api/session/{sid}/config", json={"features": ["x1", "x2", "x1*x2"]})
    assert r.json()["layout"]["sizes"] == [3, 3, 1]
    run = client.app.state.store.get(sid).run
    X, _ = make_data(run.config)
    np.testing.assert_array_equal(run.X_train._array, np.stack(
        [X[:, 0], X[:, 1], X[:, 0] * X[:, 1]], axis=1)[: run.n_train].astype(np.float32))
    d = client.get(f"/api/session/{sid}/sample?split=train&index=3").json()
    assert d["x"] == pytest.approx(run.X_train._array[3].tolist(), abs=1e-7)
    assert d["features"] == ["x1", "x2", "x1*x2"]


def test_circles_from_squares_alone_is_easy():
    """x1² + x2² is the radius²: one linear neuron on those two features separates the circles."""
    run = Run(validate_config({"dataset": "circles", "features": ["x1^2", "x2^2"], "hidden": [],
                               "activation": "linear", "optimizer": "adam", "lr": 0.1, "noise": 0.0}))
    for _ in range(300):
        run.train_step()
    assert run.evaluate()["test_acc"] >= 0.95


# ---- the speed control ----


def test_speed_is_checked(client):
    sid = new_session(client)
    for body, words in (({}, "steps_per_second"), ({"steps_per_second": 0}, "between 1"),
                        ({"steps_per_second": "fast"}, "number or null"),
                        ({"steps_per_second": True}, "number or null"),
                        ({"steps_per_second": 5, "x": 1}, "unknown field")):
        r = client.post(f"/api/session/{sid}/speed", json=body)
        assert r.status_code == 400 and words in r.json()["error"], (body, r.text)
    assert client.post(f"/api/session/{sid}/speed", json={"steps_per_second": 2}).json() == {"steps_per_second": 2.0}
    assert client.get(f"/api/session/{sid}/state").json()["speed"] == 2.0
    assert client.post(f"/api/session/{sid}/speed", json={"steps_per_second": None}).json() == {"steps_per_second": None}


def test_a_slow_speed_trains_fewer_steps_than_full_speed(client):
    slow, fast = new_session(client), new_session(client)
    client.post(f"/api/session/{slow}/speed", json={"steps_per_second": 1})
    for sid in (slow, fast):
        client.post(f"/api/session/{sid}/play", json={})
    time.sleep(1.5)
    steps = {sid: client.post(f"/api/session/{sid}/pause", json={}).json()["step"] for sid in (slow, fast)}
    assert 1 <= steps[slow] < steps[fast]  # one a second trains (the first step at once), and fewer


# ---- the step view shows the optimizer's real update ----


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_the_step_views_update_is_the_step_the_optimizer_takes(client, optimizer):
    """Batches of one sample, no regularisation: the step view of the next batch's sample shows the very
    update training then makes, param_before − param_after, read from the session's exact weights."""
    sid = new_session(client, optimizer=optimizer, batch_size=1, lr=0.03, hidden=[3])
    client.post(f"/api/session/{sid}/step", json={"steps": 4})  # momentum and Adam have state now
    before = client.get(f"/api/session/{sid}/state").json()
    (index,) = before["next_batch"]
    d = client.get(f"/api/session/{sid}/sample?split=train&index={index}").json()
    client.post(f"/api/session/{sid}/step", json={"steps": 1})
    after = client.get(f"/api/session/{sid}/state").json()
    shown, applied = [], []
    for layer, unit_layer in enumerate(d_layers(d)):
        W0, W1 = np.array(before["weights"][layer]), np.array(after["weights"][layer])
        b0, b1 = np.array(before["biases"][layer]), np.array(after["biases"][layer])
        for j, u in enumerate(unit_layer):
            assert u["id"] == f"layer{layer + 1}.neuron{j}"  # layer ℓ owns Wℓ; neuron j is its row j
            assert [p["name"] for p in u["params"]] == [f"W{layer + 1}[{j},{i}]" for i in range(W0.shape[1])] + [
                f"b{layer + 1}[{j}]"]
            shown += [p["update"] for p in u["params"]]
            applied += list(W0[j] - W1[j]) + [b0[j] - b1[j]]
    # float32 training against the step view's float64: equal to float32's precision
    assert shown == pytest.approx(applied, rel=2e-3, abs=1e-6)
    if optimizer != "sgd":  # and not what plain SGD would have done
        plain = [0.03 * p["grad"] for u in d["units"] for p in u["params"]]
        assert not np.allclose(plain, applied, rtol=0.05, atol=1e-6)
    assert d["update_rule"] and all(s["formula"] == d["update_rule"] for s in d["steps"] if s["phase"] == "update")


def d_layers(d):
    layers = {}
    for u in d["units"]:
        layers.setdefault(u["layer"], []).append(u)
    return [layers[k] for k in sorted(layers)]


def test_step_view_names_follow_the_weights(client):
    sid = new_session(client, hidden=[2, 2])
    d = client.get(f"/api/session/{sid}/sample?split=train&index=0").json()
    assert [u["id"] for u in d["units"]] == ["layer1.neuron0", "layer1.neuron1", "layer2.neuron0",
                                             "layer2.neuron1", "layer3.neuron0"]
    units = {s["unit"] for s in d["steps"]}
    assert {"layer1.neuron0", "layer3.neuron0"} <= units and not any(u.startswith("layer0") for u in units)
    assert not any("layer0." in s["text"] for s in d["steps"])


def test_options_offer_features_and_previews(client):
    o = client.get("/api/options").json()
    assert o["feature_names"] == list(FEATURES)
    assert o["features"]["quadratic"] == ["x1", "x1^2", "sin(x1)"]
    X, y = make_data(validate_config({"dataset": "spiral"}))
    assert np.array(o["previews"]["spiral"]["x"]) == pytest.approx(X, abs=0.006)
    assert o["previews"]["spiral"]["y"] == y.tolist()
