"""Same seed, same numbers: every random function of glassgrad against PyTorch's, draw for draw.

Issue 12's proof. Each test seeds glassgrad and PyTorch alike (the global generator, or a
``Generator`` passed as ``generator=``), calls the same function in both, and asserts

- the numbers are equal bit for bit (uniforms, integers, permutations, multinomial, bernoulli,
  exponential, geometric, cauchy, log-normal, dropout masks, samplers); for normals, float64 is
  bit-exact and float32 is within 4 ulp with at least 99% of values bit-exact (PyTorch's AVX2 kernel
  rounds its float32 log and sincos its own way);
- the generator's state afterwards is the same 5056 bytes, so whatever is drawn next stays in step.

hypothesis draws the seeds (any of the 2⁶⁴, negatives too where ``manual_seed`` takes them) and the
sizes (1 … 10⁵, with the sizes around PyTorch's 16-element block boundary drawn often).
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import glassgrad as gg

SEEDS = st.integers(0, 2 ** 64 - 1)
SIGNED_SEEDS = st.integers(-2 ** 63, 2 ** 64 - 1)
BLOCK_EDGES = [1, 2, 15, 16, 17, 31, 32, 33]           # around the 16-at-a-time normal recipe
SIZES = st.one_of(st.sampled_from(BLOCK_EDGES), st.integers(1, 300), st.integers(1, 10 ** 5), st.just(10 ** 5))
NORMAL_SIZES = st.one_of(st.sampled_from(BLOCK_EDGES), st.integers(1, 300), st.integers(1, 5000))
FLOAT_DTYPES = ["float32", "float64"]
few = settings(max_examples=25, deadline=None)
some = settings(max_examples=40, deadline=None)


# --- helpers ------------------------------------------------------------------------------------------
def as_numpy(x):
    """A tensor (either library), a number or a list of them, as numpy."""
    if isinstance(x, (list, tuple)):
        return [as_numpy(v) for v in x]
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return np.asarray(x)


def draw_both(seed: int, fn, generator: bool = False):
    """``fn(lib, g)`` in glassgrad then PyTorch after the same seed; returns both results as numpy and
    asserts the two generators end in the same state (so the streams stay in step)."""
    if generator:
        g_gg, g_torch = gg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    else:
        gg.manual_seed(seed)
        torch.manual_seed(seed)
        g_gg = g_torch = None
    ours, theirs = as_numpy(fn(gg, g_gg)), as_numpy(fn(torch, g_torch))
    assert_same_state(g_gg or gg.default_generator, g_torch or torch.default_generator)
    return ours, theirs


def assert_same_state(g_gg, g_torch):
    np.testing.assert_array_equal(g_gg.get_state().numpy(), g_torch.get_state().numpy())


def assert_exact(ours, theirs):
    if isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_exact(a, b)
        return
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.shape, ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours, theirs)


def ulps_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many representable floats lie between a and b (their bit patterns made monotone)."""
    signed, width = (np.int32, 0x7FFF_FFFF) if a.dtype == np.float32 else (np.int64, 0x7FFF_FFFF_FFFF_FFFF)

    def ordered(x):
        bits = x.view(signed).astype(np.int64) if signed is np.int32 else x.view(signed)
        return np.where(bits < 0, -(bits & width), bits).astype(object if signed is np.int64 else np.int64)
    return np.abs(ordered(a) - ordered(b))


def assert_normal_close(ours, theirs):
    """float64 normals are bit-exact; float32 ones at most 4 ulp apart and at least 99% bit-exact."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if ours.dtype == np.float64 or ours.size == 0:
        np.testing.assert_array_equal(ours, theirs)
        return
    apart = ulps_apart(ours.ravel(), theirs.ravel())
    assert apart.max() <= 4, apart.max()
    assert (apart == 0).mean() >= 0.99, (apart == 0).mean()


def dtype(lib, name):
    return getattr(lib, name)


# --- the generator itself -----------------------------------------------------------------------------
def test_new_generator_starts_from_pytorchs_default_seed():
    assert gg.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert_same_state(gg.Generator(), torch.Generator())
    assert_exact(*[as_numpy(lib.rand(5, generator=lib.Generator())) for lib in (gg, torch)])


def test_the_default_generator_is_seeded_from_entropy_and_reseedable():
    # like PyTorch's, the global generator starts from the operating system's entropy; seed() redraws
    first = gg.initial_seed()
    assert gg.default_generator.initial_seed() == first
    drawn = gg.seed()
    assert gg.initial_seed() == drawn and 0 <= drawn < 2 ** 64
    torch.manual_seed(drawn)
    assert_exact(as_numpy(gg.rand(4)), as_numpy(torch.rand(4)))


def test_the_lecture_example():
    g = gg.Generator().manual_seed(2147483647)
    np.testing.assert_array_equal(gg.rand(3, generator=g).numpy(),
                                  torch.rand(3, generator=torch.Generator().manual_seed(2147483647)).numpy())


@some
@given(seed=SIGNED_SEEDS)
def test_manual_seed_state_and_initial_seed(seed):
    g_gg, g_torch = gg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    assert g_gg.initial_seed() == g_torch.initial_seed()
    assert_same_state(g_gg, g_torch)
    gg.manual_seed(seed)
    torch.manual_seed(seed)
    assert gg.initial_seed() == torch.initial_seed()
    np.testing.assert_array_equal(gg.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_manual_seed_returns_the_generator_and_cuts_floats():
    g = gg.Generator()
    assert g.manual_seed(3) is g
    assert gg.manual_seed(3) is gg.default_generator
    gg.manual_seed(7.9)
    torch.manual_seed(7.9)
    assert gg.initial_seed() == torch.initial_seed() == 7


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("case", ["float_seed", "huge_seed", "too_negative", "wrong_dtype", "wrong_size"])
def test_errors_match_pytorchs(case):
    calls = {
        "float_seed": lambda lib: lib.Generator().manual_seed(1.5),
        "huge_seed": lambda lib: lib.Generator().manual_seed(2 ** 64),
        "too_negative": lambda lib: lib.Generator().manual_seed(-2 ** 63 - 1),
        "wrong_dtype": lambda lib: lib.Generator().set_state(lib.zeros(5056, dtype=lib.int64)),
        "wrong_size": lambda lib: lib.Generator().set_state(lib.zeros(100, dtype=lib.uint8)),
    }
    ours, theirs = _error(lambda: calls[case](gg)), _error(lambda: calls[case](torch))
    assert ours[0] is theirs[0] or ours[0].__name__ == theirs[0].__name__, (ours, theirs)
    if case == "float_seed":
        assert ours[1] == theirs[1] == "manual_seed expected a long, but got float"
    if case == "wrong_dtype":
        assert ours[1] == theirs[1] == "RNG state must be a torch.ByteTensor"
    if case == "wrong_size":
        assert ours[1] == theirs[1]


@few
@given(seed=SEEDS, n=SIZES)
def test_state_bytes_after_draws_and_both_ways_round_trip(seed, n):
    ours, theirs = draw_both(seed, lambda lib, g: lib.rand(n))
    assert_exact(ours, theirs)
    # a PyTorch state loads into glassgrad ...
    torch.randn(3)
    gg.set_rng_state(gg.tensor(torch.get_rng_state().numpy()))
    np.testing.assert_array_equal(gg.get_rng_state().numpy(), torch.get_rng_state().numpy())
    assert_exact(as_numpy(gg.rand(5)), as_numpy(torch.rand(5)))
    # ... and a glassgrad state into PyTorch, spare normal included
    gg.randn(1, dtype=gg.float64)
    torch.set_rng_state(torch.from_numpy(gg.get_rng_state().numpy()))
    assert_exact(as_numpy(gg.randn(3, dtype=gg.float64)), as_numpy(torch.randn(3, dtype=torch.float64)))
    np.testing.assert_array_equal(gg.get_rng_state().numpy(), torch.get_rng_state().numpy())


@few
@given(seed=SEEDS, n=st.sampled_from(BLOCK_EDGES + [623, 624, 625, 1000]))
def test_generator_get_set_state_clone_and_deepcopy(seed, n):
    g_gg, g_torch = gg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    gg.rand(n, generator=g_gg)
    torch.rand(n, generator=g_torch)
    saved = g_gg.get_state()
    np.testing.assert_array_equal(saved.numpy(), g_torch.get_state().numpy())
    later = as_numpy(torch.rand(7, generator=g_torch))
    for twin in (g_gg.clone_state(), copy.deepcopy(g_gg), gg.Generator().set_state(saved)):
        assert twin is not g_gg
        assert_exact(as_numpy(gg.rand(7, generator=twin)), later)
    assert_exact(as_numpy(gg.rand(7, generator=g_gg)), later)   # the twins did not move the original
    # a glassgrad state loads into a torch.Generator
    g_back = torch.Generator().set_state(torch.from_numpy(saved.numpy()))
    assert_exact(as_numpy(torch.rand(7, generator=g_back)), later)


def test_fork_rng_restores_the_global_state():
    gg.manual_seed(5)
    torch.manual_seed(5)
    with gg.random.fork_rng():
        gg.rand(100)
        gg.randn(3)
    with torch.random.fork_rng():
        torch.rand(100)
    assert_exact(as_numpy(gg.rand(4)), as_numpy(torch.rand(4)))
    with gg.random.fork_rng(enabled=False):
        gg.rand(2)
    torch.rand(2)
    np.testing.assert_array_equal(gg.get_rng_state().numpy(), torch.get_rng_state().numpy())


# --- uniform ------------------------------------------------------------------------------------------
@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_rand(seed, n, dt, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.rand(n, dtype=dtype(lib, dt), generator=g), use_gen))


@few
@given(seed=SEEDS, shape=st.sampled_from([(3,), (4, 5), (2, 3, 17)]), dt=st.sampled_from(FLOAT_DTYPES))
def test_rand_like_and_rand_then_randn_stay_in_step(seed, shape, dt):
    def fn(lib, g):
        x = lib.zeros(*shape, dtype=dtype(lib, dt))
        return [lib.rand_like(x), lib.randn(5), lib.rand(3), lib.randn(20, dtype=lib.float64), lib.rand(2)]
    ours, theirs = draw_both(seed, fn)
    for k in (0, 2, 4):
        assert_exact(ours[k], theirs[k])
    assert_normal_close(ours[1], theirs[1])
    assert_normal_close(ours[3], theirs[3])


@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(FLOAT_DTYPES),
       bounds=st.sampled_from([(0.0, 1.0), (-1.0, 1.0), (-3.5, 7.25), (1e-3, 2e-3), (-1e6, 1e6)]),
       use_gen=st.booleans())
def test_uniform_(seed, n, dt, bounds, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.empty(n, dtype=dtype(lib, dt)).uniform_(
        *bounds, generator=g), use_gen))


@few
@given(seed=SEEDS, dt=st.sampled_from(FLOAT_DTYPES), view=st.sampled_from(["t", "slice", "step"]))
def test_uniform_and_normal_into_non_contiguous_views(seed, dt, view):
    def target(lib):
        base = lib.zeros(6, 9, dtype=dtype(lib, dt))
        return {"t": base.t(), "slice": base[1:5, 2:7], "step": base[:, ::2]}[view], base

    def fn(lib, g):
        u, base_u = target(lib)
        u.uniform_(-2, 3, generator=g)
        z, base_z = target(lib)
        z.normal_(1.0, 2.0, generator=g)
        return [base_u, base_z]
    for use_gen in (False, True):
        ours, theirs = draw_both(seed, fn, use_gen)
        assert_exact(ours[0], theirs[0])
        assert_normal_close(ours[1], theirs[1])


# --- integers -----------------------------------------------------------------------------------------
INT_RANGES = [(0, 10), (-5, 5), (0, 2 ** 24), (-2 ** 26, 2 ** 26), (0, 2 ** 32), (3, 2 ** 32 + 7),
              (-2 ** 40, 2 ** 40), (0, 2 ** 62), (-2 ** 63, 2 ** 63 - 1)]
# PyTorch (outside Meta's own fbcode build) draws a 64-bit word once the range reaches 2**28, for every dtype
MIDDLE_RANGES = [(0, 2 ** 28), (0, 2 ** 31), (-2 ** 31, 2 ** 31), (5, 2 ** 32 - 1)]
# bounds a float32 cannot hold: PyTorch moves them inward (update_from/update_to) before drawing
FLOAT_EDGE_RANGES = [(3, 2 ** 24 + 7), (0, 2 ** 25), (-2 ** 30, 7), (2 ** 26 + 1, 2 ** 27 + 3)]


@some
@given(seed=SEEDS, n=SIZES, bounds=st.sampled_from(INT_RANGES), use_gen=st.booleans())
def test_randint_int64(seed, n, bounds, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.randint(*bounds, (n,), generator=g), use_gen))


@few
@given(seed=SEEDS, n=st.sampled_from([1, 5, 17]), bounds=st.sampled_from(MIDDLE_RANGES + FLOAT_EDGE_RANGES),
       dt=st.sampled_from(["int64", "int32", "float64", "float32"]))
def test_randint_ranges_from_2_to_the_28(seed, n, bounds, dt):
    def call(lib, g):
        return lib.randint(*bounds, (n,), dtype=dtype(lib, dt))

    try:
        torch.manual_seed(seed)
        call(torch, None)
    except RuntimeError as refusal:  # a bound the dtype cannot hold: the same refusal, word for word
        with pytest.raises(RuntimeError, match=re.escape(str(refusal))):
            call(gg, None)
        return
    assert_exact(*draw_both(seed, call))


@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(["int32", "uint8", "float32", "float64", "int16"]),
       high=st.sampled_from([1, 2, 7, 100, 200, 256]), use_gen=st.booleans())
def test_randint_dtypes(seed, n, dt, high, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.randint(high, (n,), dtype=dtype(lib, dt), generator=g),
                            use_gen))


@few
@given(seed=SEEDS, shape=st.sampled_from([(3, 4), (17,), (2, 2, 2)]), high=st.sampled_from([5, 2 ** 24, 2 ** 33]))
def test_randint_like(seed, shape, high):
    if high <= 2 ** 24:   # a float holds every integer up to 2**24 (PyTorch warns beyond)
        assert_exact(*draw_both(seed, lambda lib, g: lib.randint_like(lib.zeros(*shape), high)))
    assert_exact(*draw_both(seed, lambda lib, g: lib.randint_like(lib.zeros(*shape, dtype=lib.int64), 3, high)))


@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(["int64", "int32", "int16", "int8", "uint8", "float32", "float64",
                                                "bool"]),
       use_gen=st.booleans())
def test_random_without_bounds(seed, n, dt, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.zeros(n, dtype=dtype(lib, dt)).random_(generator=g), use_gen))


@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(["int64", "int32", "uint8", "float32", "float64"]),
       to=st.sampled_from([1, 2, 3, 10, 100, 255]), frm=st.sampled_from([None, 0, 1]), use_gen=st.booleans())
def test_random_to_and_from_to(seed, n, dt, to, frm, use_gen):
    def fn(lib, g):
        x = lib.zeros(n, dtype=dtype(lib, dt))
        return x.random_(to, generator=g) if frm is None else x.random_(frm, to + 1, generator=g)
    assert_exact(*draw_both(seed, fn, use_gen))


@few
@given(seed=SEEDS, n=SIZES, bounds=st.sampled_from([(0, 2 ** 32), (-2 ** 35, 2 ** 35), (5, 2 ** 62)]))
def test_random_wide_ranges(seed, n, bounds):
    assert_exact(*draw_both(seed, lambda lib, g: lib.zeros(n, dtype=lib.int64).random_(*bounds)))


@some
@given(seed=SEEDS, n=st.one_of(st.sampled_from(BLOCK_EDGES + [0, 20000, 10 ** 5]), st.integers(0, 3000)),
       dt=st.sampled_from(["int64", "int32", "float32", "float64", "int16"]), use_gen=st.booleans())
def test_randperm(seed, n, dt, use_gen):
    if dt == "int16":
        n = min(n, 2 ** 15)
    assert_exact(*draw_both(seed, lambda lib, g: lib.randperm(n, dtype=dtype(lib, dt), generator=g), use_gen))


# --- multinomial, bernoulli ---------------------------------------------------------------------------
def _probabilities(lib, rows, n, zeros_every, dt):
    """Unnormalised weights, some of them zero, as a 1-d (rows == 0) or 2-d tensor."""
    shape = (n,) if rows == 0 else (rows, n)
    w = np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape) % 7 + 0.5
    if zeros_every:
        w[..., ::zeros_every] = 0.0
    return lib.tensor(w, dtype=dtype(lib, dt))


@some
@given(seed=SEEDS, rows=st.sampled_from([0, 1, 3]), n=st.sampled_from([1, 2, 5, 16, 17, 100, 1000]),
       zeros_every=st.sampled_from([0, 2, 3]), k=st.sampled_from([1, 2, 5, 50]), replacement=st.booleans(),
       dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_multinomial(seed, rows, n, zeros_every, k, replacement, dt, use_gen):
    nonzero = n - (len(range(0, n, zeros_every)) if zeros_every else 0)
    if nonzero == 0 or (not replacement and k > n):
        return   # PyTorch refuses these; the error test below covers them
    if not replacement and k > nonzero:
        # PyTorch's docs forbid it; its top-k then orders the tied zero-probability picks by whatever its
        # C++ library's unstable sort does, which is not part of the recipe. The draws still match:
        draw = draw_both(seed, lambda lib, g: lib.multinomial(
            _probabilities(lib, rows, n, zeros_every, dt), k, replacement, generator=g), use_gen)
        for ours, theirs in zip(np.atleast_2d(draw[0]), np.atleast_2d(draw[1])):
            np.testing.assert_array_equal(ours[:nonzero], theirs[:nonzero])
            assert sorted(ours) == sorted(theirs)
        return
    assert_exact(*draw_both(seed, lambda lib, g: lib.multinomial(_probabilities(lib, rows, n, zeros_every, dt), k,
                                                                  replacement, generator=g), use_gen))


def test_multinomial_refuses_more_samples_than_categories_without_replacement():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError):
            lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 4)
    # with as many samples as categories, PyTorch 2.13 takes the zero-weight one last (no error)
    assert_exact(*draw_both(3, lambda lib, g: lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 3)))


@some
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_bernoulli_with_tensor_probabilities(seed, n, dt, use_gen):
    def fn(lib, g):
        p = (lib.arange(n, dtype=dtype(lib, dt)) % 11) / 10   # 0, 0.1, ..., 1 (and >1 never)
        return lib.bernoulli(p, generator=g)
    assert_exact(*draw_both(seed, fn, use_gen))


@some
@given(seed=SEEDS, n=SIZES, p=st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]),
       dt=st.sampled_from(FLOAT_DTYPES + ["int64", "uint8", "bool"]), use_gen=st.booleans())
def test_bernoulli_scalar_(seed, n, p, dt, use_gen):
    assert_exact(*draw_both(seed, lambda lib, g: lib.zeros(n, dtype=dtype(lib, dt)).bernoulli_(p, generator=g),
                            use_gen))


@few
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(FLOAT_DTYPES))
def test_bernoulli_tensor_(seed, n, dt):
    def fn(lib, g):
        p = (lib.arange(n, dtype=lib.float64) % 5) / 4
        return lib.zeros(n, dtype=dtype(lib, dt)).bernoulli_(p)
    assert_exact(*draw_both(seed, fn))


# --- the other distributions --------------------------------------------------------------------------
FILLS = {
    "exponential_": [(1.0,), (0.5,), (3.0,)],
    "geometric_": [(0.5,), (0.1,), (0.9,)],
    "cauchy_": [(0.0, 1.0), (2.0, 0.5)],
    "log_normal_": [(1.0, 2.0), (0.0, 0.25)],
}


@some
@given(seed=SEEDS, n=SIZES, name=st.sampled_from(sorted(FILLS)), which=st.integers(0, 2),
       dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_exponential_geometric_cauchy_log_normal(seed, n, name, which, dt, use_gen):
    args = FILLS[name][which % len(FILLS[name])]
    ours, theirs = draw_both(seed, lambda lib, g: getattr(lib.empty(n, dtype=dtype(lib, dt)), name)(
        *args, generator=g), use_gen)
    if name == "log_normal_":
        # exp of a normal: the normal is PyTorch's (same rounding rules as randn), exp adds none of its own
        assert_normal_close(ours, theirs)
    else:
        assert_exact(ours, theirs)


@few
@given(seed=SEEDS, n=SIZES, dt=st.sampled_from(["int64", "int32"]))
def test_geometric_into_integers(seed, n, dt):
    assert_exact(*draw_both(seed, lambda lib, g: lib.zeros(n, dtype=dtype(lib, dt)).geometric_(0.3)))


# --- normal -------------------------------------------------------------------------------------------
@some
@given(seed=SEEDS, n=NORMAL_SIZES, dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_randn(seed, n, dt, use_gen):
    assert_normal_close(*draw_both(seed, lambda lib, g: lib.randn(n, dtype=dtype(lib, dt), generator=g), use_gen))


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_randn_large(dt):
    assert_normal_close(*draw_both(12345, lambda lib, g: lib.randn(10 ** 5, dtype=dtype(lib, dt))))
    assert_normal_close(*draw_both(2 ** 64 - 1, lambda lib, g: lib.randn(317, 211, dtype=dtype(lib, dt)), True))


@some
@given(seed=SEEDS, sizes=st.lists(st.sampled_from(BLOCK_EDGES + [3, 5, 40]), min_size=2, max_size=5),
       dt=st.sampled_from(FLOAT_DTYPES))
def test_randn_calls_in_a_row_share_the_spare_normal(seed, sizes, dt):
    # below 16 elements PyTorch draws one at a time and keeps Box–Muller's second value for the next call
    ours, theirs = draw_both(seed, lambda lib, g: [lib.randn(k, dtype=dtype(lib, dt)) for k in sizes])
    for a, b in zip(ours, theirs):
        assert_normal_close(a, b)


@some
@given(seed=SEEDS, n=NORMAL_SIZES, dt=st.sampled_from(FLOAT_DTYPES),
       moments=st.sampled_from([(0.0, 1.0), (3.0, 0.5), (-1.0, 10.0)]), use_gen=st.booleans())
def test_normal_(seed, n, dt, moments, use_gen):
    assert_normal_close(*draw_both(seed, lambda lib, g: lib.empty(n, dtype=dtype(lib, dt)).normal_(
        *moments, generator=g), use_gen))


@few
@given(seed=SEEDS, shape=st.sampled_from([(3,), (4, 4), (5, 7), (2, 3, 11)]), dt=st.sampled_from(FLOAT_DTYPES))
def test_randn_like(seed, shape, dt):
    assert_normal_close(*draw_both(seed, lambda lib, g: lib.randn_like(lib.zeros(*shape, dtype=dtype(lib, dt)))))


def _normal_call(lib, overload, n, dt, g):
    mean = lib.tensor(np.linspace(-2, 2, n), dtype=dtype(lib, dt))   # numpy's grid: the same inputs in both
    std = lib.tensor(np.linspace(0.1, 3, n), dtype=dtype(lib, dt))
    return {"TT": lambda: lib.normal(mean, std, generator=g),
            "Tf": lambda: lib.normal(mean, 1.5, generator=g),
            "fT": lambda: lib.normal(0.5, std, generator=g),
            "ff": lambda: lib.normal(0.5, 1.5, (n,), generator=g, dtype=dtype(lib, dt))}[overload]()


@some
@given(seed=SEEDS, n=NORMAL_SIZES, overload=st.sampled_from(["TT", "Tf", "fT", "ff"]),
       dt=st.sampled_from(FLOAT_DTYPES), use_gen=st.booleans())
def test_normal_all_overloads(seed, n, overload, dt, use_gen):
    ours, theirs = draw_both(seed, lambda lib, g: _normal_call(lib, overload, n, dt, g), use_gen)
    if overload == "ff":
        assert_normal_close(ours, theirs)
        return
    # N(0, 1) (or N(0, std)) drawn PyTorch's way, then ·std and + mean, each step rounded as PyTorch's:
    # float64 is bit-exact; in float32 a last-bit difference of the draw may grow by cancellation
    # against mean, so allow 4 ulp of the draw's scale (|std|·|z| ≤ 3·6) on top of the value's
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if dt == "float64":
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=4 * 2 ** -23, atol=4 * 2 ** -23 * 18)
        assert (ours == theirs).mean() >= 0.99


# --- dropout ------------------------------------------------------------------------------------------
@some
@given(seed=SEEDS, shape=st.sampled_from([(5,), (4, 8), (3, 17), (64, 33)]), p=st.sampled_from([0.1, 0.5, 0.8]),
       dt=st.sampled_from(FLOAT_DTYPES))
def test_dropout_masks(seed, shape, p, dt):
    def fn(lib, g):
        x = lib.ones(*shape, dtype=dtype(lib, dt))
        layer = lib.nn.Dropout(p)
        layer.train()
        return [lib.nn.functional.dropout(x, p), layer(x), lib.nn.functional.dropout(x, p, training=False)]
    assert_exact(*draw_both(seed, fn))


@some
@given(seed=SEEDS, shape=st.sampled_from([(2, 3, 4, 5), (3, 4, 5), (1, 16, 2, 2)]), p=st.sampled_from([0.2, 0.5]))
def test_dropout2d_masks(seed, shape, p):
    def fn(lib, g):
        x = lib.ones(*shape)
        layer = lib.nn.Dropout2d(p)
        return [lib.nn.functional.dropout2d(x, p), layer(x)]
    assert_exact(*draw_both(seed, fn))


@few
@given(seed=SEEDS, p=st.sampled_from([0.1, 0.5]), causal=st.booleans())
def test_scaled_dot_product_attention_dropout(seed, p, causal):
    def fn(lib, g):
        q = lib.linspace(-1, 1, 2 * 3 * 5 * 4).reshape(2, 3, 5, 4)
        k = lib.linspace(1, -1, 2 * 3 * 6 * 4).reshape(2, 3, 6, 4)
        v = lib.linspace(0, 2, 2 * 3 * 6 * 4).reshape(2, 3, 6, 4)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=causal)
    ours, theirs = draw_both(seed, fn)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)   # same mask; matmuls round their own way


# --- utils.data ---------------------------------------------------------------------------------------
def _loader_batches(lib, n, batch_size, drop_last, epochs):
    data = lib.utils.data.TensorDataset(lib.arange(n))
    loader = lib.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=drop_last)
    out = [batch[0] for _ in range(epochs) for batch in loader]
    return out + [lib.rand(3)]   # the global stream is still in step after the epochs


@few
@given(seed=SEEDS, n=st.sampled_from([1, 7, 16, 33, 100]), batch_size=st.sampled_from([1, 4, 16]),
       drop_last=st.booleans(), epochs=st.integers(1, 3))
def test_dataloader_shuffle(seed, n, batch_size, drop_last, epochs):
    assert_exact(*draw_both(seed, lambda lib, g: _loader_batches(lib, n, batch_size, drop_last, epochs)))


@few
@given(seed=SEEDS, n=st.sampled_from([1, 5, 16, 40]), replacement=st.booleans(),
       num_samples=st.sampled_from([None, 3, 100]), use_gen=st.booleans())
def test_random_sampler(seed, n, replacement, num_samples, use_gen):
    def fn(lib, g):
        sampler = lib.utils.data.RandomSampler(range(n), replacement=replacement, num_samples=num_samples,
                                               generator=g)
        return [lib.tensor(list(sampler)), lib.tensor(list(sampler)), lib.rand(2)]
    assert_exact(*draw_both(seed, fn, use_gen))


@few
@given(seed=SEEDS, n=st.sampled_from([1, 6, 17]), use_gen=st.booleans())
def test_subset_random_sampler(seed, n, use_gen):
    def fn(lib, g):
        sampler = lib.utils.data.SubsetRandomSampler(list(range(3, 3 + 2 * n, 2)), generator=g)
        return [lib.tensor(list(sampler)), lib.tensor(list(sampler)), lib.rand(2)]
    assert_exact(*draw_both(seed, fn, use_gen))


@few
@given(seed=SEEDS, k=st.sampled_from([1, 5, 40]), replacement=st.booleans(), use_gen=st.booleans())
def test_weighted_random_sampler(seed, k, replacement, use_gen):
    weights = [0.1, 0.0, 2.0, 1.0, 0.5, 3.0, 0.25]
    if not replacement:
        k = min(k, 6)

    def fn(lib, g):
        sampler = lib.utils.data.WeightedRandomSampler(weights, k, replacement=replacement, generator=g)
        return [lib.tensor(list(sampler)), lib.tensor(list(sampler)), lib.rand(2)]
    assert_exact(*draw_both(seed, fn, use_gen))


@few
@given(seed=SEEDS, lengths=st.sampled_from([[3, 7], [5, 0, 5], [0.5, 0.5], [0.3, 0.3, 0.4], [0.1, 0.9]]),
       use_gen=st.booleans())
def test_random_split(seed, lengths, use_gen):
    def fn(lib, g):
        kwargs = {} if g is None else {"generator": g}
        parts = lib.utils.data.random_split(range(10), lengths, **kwargs)
        return [lib.tensor(list(p.indices), dtype=lib.int64) for p in parts] + [lib.rand(2)]
    assert_exact(*draw_both(seed, fn, use_gen))
