"""The device surface against PyTorch 2.13 built for the CPU: every answer, error and warning the same.

Each case is a few lines of PyTorch code run twice, once with ``torch`` bound to PyTorch and once to
glassgrad; the value of ``out`` (its repr), or the exception's type and message, and the user-facing
warnings must agree. Where glassgrad deliberately differs (it has no meta device, no
``torch.distributed``, autocast changes no dtype) the test says so and checks glassgrad's own answer.
"""

import copy
import pickle
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
import torch

import glassgrad
from glassgrad import amp


@pytest.fixture(autouse=True)
def fresh_state():
    """The default device, the deterministic switch and the matmul flags are global: restore them."""
    yield
    for lib in (torch, glassgrad):
        lib.set_default_device(None)
        lib.use_deterministic_algorithms(False)
        lib.backends.cuda.matmul.allow_tf32 = False
        lib.backends.cudnn.benchmark = False


def outcome(lib, code: str):
    """(("ok", repr(out)) or (exception type, message), [user-facing warnings]) of running ``code``."""
    namespace = {"torch": lib}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(textwrap.dedent(code), namespace)
            result = ("ok", repr(namespace.get("out")).replace("glassgrad.", "torch."))
        except Exception as e:  # noqa: BLE001 - the exception is what is compared
            result = (type(e).__name__, str(e))
    said = [(w.category.__name__, str(w.message)) for w in caught
            if w.category in (UserWarning, FutureWarning) and "glassgrad's autocast" not in str(w.message)]
    return result, said


def same_as_torch(code: str, prefix: bool = False):
    ours, theirs = outcome(glassgrad, code), outcome(torch, code)
    if prefix:  # PyTorch's message goes on (a list of kernels ...); glassgrad keeps its first sentences
        assert ours[0][0] == theirs[0][0] and theirs[0][1].startswith(ours[0][1]), (ours, theirs)
        assert ours[1] == theirs[1]
    else:
        assert ours == theirs
    return ours


CUDA = [
    "out = torch.cuda.is_available(), torch.cuda.device_count(), torch.cuda.is_initialized()",
    "out = torch.cuda.manual_seed(0), torch.cuda.manual_seed_all(1), torch.cuda.seed(), torch.cuda.seed_all()",
    "out = torch.cuda.empty_cache()",
    "out = torch.cuda.is_bf16_supported()",
    "out = torch.cuda.memory_allocated(), torch.cuda.max_memory_allocated(), torch.cuda.memory_reserved()",
    "torch.cuda.synchronize()",
    "torch.cuda.current_device()",
    "torch.cuda.get_device_name()",
    "torch.cuda.get_device_capability()",
    "torch.cuda.get_device_properties(0)",
    "out = torch.cuda.manual_seed_all('x')",
]

BACKENDS = [
    "out = torch.backends.mps.is_available(), torch.backends.mps.is_built(), torch.backends.cuda.is_built()",
    "c = torch.backends.cudnn; out = c.is_available(), c.enabled, c.benchmark, c.deterministic, c.allow_tf32",
    "out = torch.backends.cudnn.version()",
    "m = torch.backends.cuda.matmul; out = (m.allow_tf32, m.fp32_precision, "
    "m.allow_fp16_reduced_precision_reduction, m.allow_bf16_reduced_precision_reduction)",
    "m = torch.backends.cuda.matmul; m.allow_tf32 = True; out = m.allow_tf32, m.fp32_precision",
    "torch.backends.cuda.matmul.foo = 1",
    "out = torch.backends.cuda.matmul.foo",
]

ACCELERATOR = [
    "out = torch.accelerator.is_available(), torch.accelerator.current_accelerator(), "
    "torch.accelerator.device_count()",
    "out = torch.accelerator.current_accelerator(check_available=True)",
    "torch.accelerator.current_device_index()",
    "torch.accelerator.synchronize()",
    "torch.accelerator.set_device_index(0)",
]

DEVICE = [
    "out = torch.device('cuda'), torch.device('cuda:1'), torch.device('cuda', 0), torch.device('mps')",
    "out = torch.device('cpu'), torch.device('cpu:0'), torch.device('cpu', 0), torch.device('meta')",
    "out = torch.device(type='cuda', index=2), torch.device(torch.device('cuda:3'))",
    "out = [str(torch.device(s)) for s in ('cuda', 'cuda:1', 'cpu', 'cpu:0')]",
    "d = torch.device('cuda:1'); out = d.type, d.index, torch.device('cuda').index",
    "out = torch.device('cpu') == 'cpu', torch.device('cuda') == torch.device('cuda'), "
    "torch.device('cuda') == torch.device('cuda:0'), torch.device('cpu') != torch.device('cpu:0')",
    "out = hash(torch.device('cuda:1')) == hash(torch.device('cuda', 1))",
    "out = torch.ones(2).device, torch.ones(2).device == torch.device('cpu'), torch.ones(2).is_cuda",
    "x = torch.ones(2); out = [(n, getattr(x, n)) for n in ('is_cpu', 'is_cuda', 'is_xpu', 'is_mps', 'is_meta', "
    "'is_ipu', 'is_xla', 'is_maia', 'is_mtia', 'is_vulkan', 'is_mkldnn')], x.get_device()",
    "torch.device('foo')",
    "torch.device('CUDA')",
    "torch.device('')",
    "torch.device('cuda:x')",
    "torch.device('cuda:01')",
    "torch.device('cuda0')",
    "torch.device('cpu:0:1')",
    "torch.device('cuda', -1)",
    "torch.device('cuda:0', 0)",
    "torch.device('cuda', 'a')",
    "torch.device(0)",
    "torch.device(-1)",
    "torch.device(1.5)",
    "torch.device(None)",
    "torch.device('cpu').type = 'cuda'",
    "out = torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
]

USING_A_DEVICE = [
    "torch.zeros(2, device='cuda')",
    "torch.zeros(2, device=torch.device('cuda:0'))",
    "torch.tensor([1.0], device='cuda')",
    "torch.randn(2, device='cuda')",
    "torch.arange(3, device='cuda')",
    "torch.ones(2).to('cuda')",
    "torch.ones(2).to(device='cuda')",
    "torch.ones(2).to('cuda', torch.float64)",
    "torch.ones(2).to(torch.device('cuda'))",
    "torch.ones(2).cuda()",
    "torch.ones(2).cuda(0)",
    "torch.ones(2).to(0)",
    "torch.ones(2).to('xpu')",
    "torch.ones(2).to('mps')",
    "torch.tensor([1.0], device='mps')",
    "torch.ones(2).to('foo')",
    "torch.zeros_like(torch.ones(2), device='cuda')",
    "torch.nn.Linear(2, 2).to('cuda')",
    "torch.nn.Linear(2, 2, device='cuda')",
    "torch.Generator(device='cuda')",
    "torch.Generator(device='mps')",
    "out = torch.ones(2).to('cpu:0').device, torch.ones(2, device='cpu:1').device",
    "out = torch.ones(2, dtype=torch.float64).to('cpu', torch.float32).dtype",
]

DEFAULT_DEVICE = [
    "out = torch.get_default_device()",
    "torch.set_default_device('cpu'); out = torch.get_default_device(), torch.ones(1).device",
    "torch.set_default_device('cuda:1'); out = torch.get_default_device()",
    "torch.set_default_device('cuda'); torch.get_default_device()",
    "torch.set_default_device('cuda'); torch.ones(1)",
    "torch.set_default_device('cuda'); torch.nn.Linear(2, 2)",
    "torch.set_default_device('cuda'); out = torch.zeros_like(torch.from_numpy(__import__('numpy').ones(2)))",
    "torch.set_default_device('mps'); torch.tensor([1.0])",
    "torch.set_default_device('foo')",
    "torch.set_default_device('cuda'); torch.set_default_device(None); out = torch.get_default_device()",
    """
    with torch.device('cpu') as d:
        m = torch.nn.Linear(2, 2)
        inside = torch.get_default_device()
    out = d, inside, m.weight.device, torch.get_default_device()
    """,
    """
    with torch.device('cuda'):
        torch.ones(1)
    """,
    """
    try:
        with torch.device('cuda'):
            torch.ones(1)
    except AssertionError:
        pass
    out = torch.ones(1).device, torch.get_default_device()
    """,
]

DETERMINISTIC = [
    "out = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()",
    "torch.use_deterministic_algorithms(True); out = torch.are_deterministic_algorithms_enabled()",
    "torch.use_deterministic_algorithms(True, warn_only=True); "
    "out = torch.is_deterministic_algorithms_warn_only_enabled()",
    "torch.use_deterministic_algorithms(1)",
]

AMP = [
    "s = torch.amp.GradScaler(); out = s.is_enabled(), s.get_scale(), s.state_dict()",
    "s = torch.amp.GradScaler('cpu'); out = s.is_enabled(), s.get_scale(), s.state_dict()",
    "s = torch.amp.GradScaler('cpu', init_scale=8.0); out = s.scale(torch.ones(2)).tolist(), s.get_scale()",
    "s = torch.amp.GradScaler('cpu'); out = [t.tolist() for t in s.scale([torch.ones(1), (torch.ones(2),)][1])]",
    "out = torch.amp.GradScaler(enabled=False).scale(torch.ones(2)).tolist()",
    "s = torch.cuda.amp.GradScaler(); out = s.is_enabled()",
    "s = torch.cuda.amp.GradScaler(enabled=False); out = s.is_enabled(), s.get_scale(), s.state_dict()",
    "torch.amp.GradScaler('cpu', growth_factor=1.0)",
    "torch.amp.GradScaler('cpu', backoff_factor=1.0)",
    "torch.amp.GradScaler('cpu').update()",
    "torch.amp.GradScaler('cpu').load_state_dict({})",
    "s = torch.amp.GradScaler('cpu'); s.load_state_dict({'scale': 4.0, 'growth_factor': 3.0, "
    "'backoff_factor': 0.25, 'growth_interval': 7, '_growth_tracker': 2}); out = s.state_dict()",
    "s = torch.amp.GradScaler('cpu'); out = s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()",
    "a = torch.autocast(device_type='cuda'); out = a._enabled",
    "a = torch.cuda.amp.autocast(); out = a._enabled",
    "a = torch.autocast('cpu', dtype=torch.float64); out = a._enabled",
    "a = torch.autocast('cpu', dtype=torch.float16); out = a._enabled",
    "out = torch.autocast is torch.amp.autocast",
    """
    class Ctx:
        pass
    @torch.cuda.amp.custom_fwd
    def forward(ctx, x):
        return 2 * x
    @torch.cuda.amp.custom_bwd
    def backward(ctx, g):
        return 3 * g
    @torch.amp.custom_fwd(device_type='cpu', cast_inputs=None)
    def forward_cpu(ctx, x):
        return 4 * x
    ctx = Ctx()
    out = forward(ctx, 1), backward(ctx, 1), forward_cpu(Ctx(), 1)
    """,
    "torch.autocast(device_type='foo')",
    "torch.autocast('cpu')(3)",
    """
    @torch.autocast('cpu', enabled=False)
    def f(x):
        return x * 2
    out = f(torch.ones(1)).tolist()
    """,
    """
    with torch.autocast(device_type='cuda', dtype=torch.float16):
        y = torch.nn.Linear(2, 2)(torch.ones(1, 2))
    out = y.dtype
    """,
]

DISTRIBUTED_AND_FRIENDS = [
    "out = torch.distributed.is_initialized()",
    "torch.distributed.get_rank()",
    "torch.distributed.get_world_size()",
    "torch.distributed.destroy_process_group()",
    "torch.distributed.barrier()",
    "f = lambda x: 2 * x; out = torch.compile(f)(3), torch.compile(mode='max-autotune')(f)(4)",
    "m = torch.nn.Linear(2, 2); out = torch.compile(m, fullgraph=True, dynamic=False) is m",
    "torch.compile(3)",
    "out = torch.compiler.is_compiling(), torch.jit.is_scripting(), torch.jit.is_tracing()",
    "out = torch.onnx.is_in_onnx_export(), callable(torch.onnx.export)",
    "m = torch.nn.DataParallel(torch.nn.Linear(2, 3)); out = m, m.device_ids, list(m.state_dict())",
    "out = torch.nn.parallel.DataParallel is torch.nn.DataParallel",
    "import torch.nn.parallel\nfrom torch.nn.parallel import DistributedDataParallel as DDP\nout = DDP.__name__",
]


@pytest.mark.parametrize("code", CUDA + BACKENDS + ACCELERATOR + DEVICE + DEFAULT_DEVICE + DETERMINISTIC
                         + AMP + DISTRIBUTED_AND_FRIENDS)
def test_same_as_pytorch(code):
    if "torch.compile(m," in code:  # PyTorch wraps the module (OptimizedModule); glassgrad returns it
        assert outcome(glassgrad, code)[0] == ("ok", "True")
        return
    same_as_torch(code)


@pytest.mark.parametrize("code", USING_A_DEVICE)
def test_using_a_device_raises_as_pytorch(code):
    same_as_torch(code, prefix="Generator(device='cuda')" not in code)


def test_allocating_on_mps_raises_pytorchs_not_implemented_error():
    same_as_torch("torch.zeros(2, device='mps')", prefix=True)


def test_gradscaler_on_cpu_trains_as_pytorchs():
    """Scale, unscale, skip the step with inf gradients, back off and grow: every number as PyTorch's."""
    rng = np.random.default_rng(0)
    w0, x, y = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    history = {}
    for lib in (torch, glassgrad):
        model = lib.nn.Linear(4, 3, bias=False, dtype=lib.float64)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
        seen = []
        for i in range(6):
            opt.zero_grad()
            loss = ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            if i == 2:
                loss = loss * float("inf")  # a step with inf gradients is skipped and the scale backs off
            scaled = scaler.scale(loss)
            scaled.backward()
            if i == 4:
                scaler.unscale_(opt)  # unscaling by hand first, as for gradient clipping
                seen.append(model.weight.grad.numpy().copy())
            scaler.step(opt)
            scaler.update()
            seen.append((scaled.item(), scaler.get_scale(), scaler.state_dict()["_growth_tracker"],
                         model.weight.detach().numpy().copy()))
        history[lib.__name__] = seen
    for theirs, ours in zip(history["torch"], history["glassgrad"]):
        if isinstance(theirs, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
            continue
        assert ours[1:3] == theirs[1:3]
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
        np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-12)


GRADSCALER_MISUSE = """
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
s = torch.amp.GradScaler('cpu')
s.scale(model(torch.ones(1, 2)).sum()).backward()
{}
"""


@pytest.mark.parametrize("misuse", [
    "s.unscale_(opt); s.unscale_(opt)",
    "s.step(opt); s.unscale_(opt)",
    "s.step(opt); s.step(opt)",
    "s.step(opt, closure=lambda: 0)",
    "opt.zero_grad(set_to_none=True); s.step(opt)",
    "s.step(opt); s.update(2.0); out = s.get_scale()",
    "s.step(opt); s.update(torch.tensor([1.0, 2.0]))",
    "model.half(); s.unscale_(opt)",
])
def test_gradscaler_misuse_raises_as_pytorch(misuse):
    same_as_torch(GRADSCALER_MISUSE.format(misuse))


def test_gradscaler_without_scale_first_raises_as_pytorch():
    same_as_torch("s = torch.amp.GradScaler('cpu'); s.step(torch.optim.SGD(torch.nn.Linear(1, 1).parameters()))")


def test_disabled_gradscaler_passes_through():
    model = glassgrad.nn.Linear(2, 1)
    opt = glassgrad.optim.SGD(model.parameters(), lr=0.5)
    before = model.weight.detach().numpy().copy()
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = glassgrad.amp.GradScaler()
    loss = model(glassgrad.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(model.weight.detach().numpy(), before - 0.5)
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}


def test_autocast_on_cpu_casts_linear_as_pytorch():
    """PyTorch's CPU autocast runs linear in its fast dtype: bfloat16 unless told (tests/test_bfloat16.py
    compares whole networks)."""
    pytest.importorskip("ml_dtypes")
    with glassgrad.autocast(device_type="cpu", dtype=glassgrad.float16):
        assert glassgrad.nn.Linear(2, 2)(glassgrad.ones(1, 2)).dtype == glassgrad.float16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with glassgrad.autocast("cpu"):  # bfloat16, PyTorch's CPU default
            assert glassgrad.nn.Linear(2, 2)(glassgrad.ones(1, 2)).dtype == glassgrad.bfloat16
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        glassgrad.autocast(device_type=glassgrad.device("cpu"))


def test_distributed_is_absent_and_says_where_to_go():
    """A deliberate difference: PyTorch's CPU build has torch.distributed (is_available() True)."""
    assert glassgrad.distributed.is_available() is False
    with pytest.raises(RuntimeError, match=r"glassgrad\.interop\.to_torch"):
        glassgrad.distributed.init_process_group(backend="gloo")
    with pytest.raises(RuntimeError, match=r"glassgrad\.interop\.to_torch"):
        glassgrad.nn.parallel.DistributedDataParallel(glassgrad.nn.Linear(2, 2))


@pytest.mark.parametrize("call", [lambda: glassgrad.onnx.export(glassgrad.nn.Linear(2, 2), glassgrad.ones(1, 2),
                                                                "m.onnx")])
def test_onnx_says_what_is_missing(call):
    with pytest.raises(NotImplementedError, match="glassgrad"):
        call()


def test_jit_decorators_return_the_function():
    def f(x):
        return x
    assert glassgrad.jit.ignore(f) is f and glassgrad.jit.ignore(drop=True)(f) is f
    assert glassgrad.jit.unused(f) is f and glassgrad.jit.export(f) is f


def test_dataparallel_computes_what_its_module_computes():
    inner = glassgrad.nn.Linear(2, 3)
    x = glassgrad.randn(4, 2)
    np.testing.assert_array_equal(glassgrad.nn.DataParallel(inner)(x).detach().numpy(),
                                  inner(x).detach().numpy())


def test_default_device_is_per_thread():
    glassgrad.set_default_device("cuda:0")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(glassgrad.get_default_device()))
    thread.start()
    thread.join()
    assert seen == [glassgrad.device("cpu")] and glassgrad.get_default_device() == glassgrad.device("cuda:0")


def test_device_pickles_and_copies():
    d = glassgrad.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(d) == d


def test_pytorch_module_paths_import_under_run_as_torch(tmp_path):
    """word_language_model imports torch.onnx, nanoGPT torch.distributed and torch.nn.parallel, DCGAN
    torch.backends.cudnn: as `glassgrad run-as-torch`, each resolves to glassgrad's module."""
    script = tmp_path / "imports.py"
    script.write_text(textwrap.dedent("""
        import torch
        import torch.backends.cudnn as cudnn
        import torch.nn.parallel
        import torch.onnx
        import torch.cuda.amp
        from torch.distributed import init_process_group, destroy_process_group
        from torch.nn.parallel import DistributedDataParallel as DDP
        cudnn.benchmark = True
        print(torch.__name__, cudnn.__name__, torch.cuda.amp.__name__, torch.backends.cudnn.benchmark)
    """))
    run = subprocess.run([sys.executable, "-m", "glassgrad.as_torch", str(script)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["glassgrad", "glassgrad.backends.cudnn", "glassgrad.cuda.amp", "True"]


def test_module_cuda_fails_as_pytorch_without_cuda():
    for lib in (glassgrad, torch):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            lib.nn.Linear(2, 2).cuda()
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            lib.nn.Linear(2, 2).cuda(0)


def test_bfloat16_is_named_always_and_stored_with_ml_dtypes():
    # nanoGPT picks `torch.bfloat16 if cuda ... else torch.float16` at the top: the name must exist
    assert repr(glassgrad.bfloat16) == "glassgrad.bfloat16" and glassgrad.bfloat16.is_floating_point
    if glassgrad.dtypes.BFLOAT16 is None:  # without the optional package: a clear error
        with pytest.raises(TypeError, match="pip install ml_dtypes"):
            glassgrad.zeros(2, dtype=glassgrad.bfloat16)
    else:
        assert glassgrad.ones(2).to(glassgrad.bfloat16).dtype is glassgrad.bfloat16


def test_tensor_new_is_pytorchs_legacy_constructor():
    import torch
    for args in [(), (2, 3), ([1, 2],), (torch.Size([2]),)]:
        ours = glassgrad.zeros(2, dtype=glassgrad.float64).new(*[glassgrad.Size(a) if isinstance(a, torch.Size)
                                                                   else a for a in args])
        theirs = torch.zeros(2, dtype=torch.float64).new(*args)
        assert list(ours.shape) == list(theirs.shape) and str(ours.dtype).split(".")[1] == "float64"
    with pytest.raises(TypeError, match=r"new\(\): data must be a sequence \(got float\)"):
        glassgrad.zeros(2).new(2.5)
