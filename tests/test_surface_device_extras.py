"""torch.cpu, the attention-kernel switches (torch.nn.attention.sdpa_kernel, torch.backends.cuda.*_sdp)
and torch.nn.utils.fusion, against PyTorch."""

import warnings

import numpy as np
import pytest
import torch
from torch.nn.attention import SDPBackend as TorchBackend
from torch.nn.attention import sdpa_kernel as torch_sdpa_kernel

import glassgrad as gg
from glassgrad.nn.attention import SDPBackend, sdpa_kernel


def test_cpu_module_answers_as_pytorch():
    for module in (gg, torch):
        assert module.cpu.is_available() is True and module.cpu.device_count() == 1
        assert module.cpu.current_device() == "cpu" and module.cpu.synchronize() is None
        with module.cpu.stream(module.cpu.current_stream()):
            pass
    messages = []
    for module in (gg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module.cpu.amp.autocast()
            module.cpu.amp.GradScaler()
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 2


@pytest.mark.parametrize("names", [["MATH"], ["FLASH_ATTENTION"], ["EFFICIENT_ATTENTION"], ["CUDNN_ATTENTION"],
                                   ["EFFICIENT_ATTENTION", "MATH"], ["ERROR"]])
def test_sdpa_kernel_allows_and_refuses_as_pytorch_on_a_cpu(names):
    outcomes = []
    for module, backend, switch in ((gg, SDPBackend, sdpa_kernel), (torch, TorchBackend, torch_sdpa_kernel)):
        q = module.ones(1, 1, 3, 4)
        try:
            with switch([getattr(backend, n) for n in names]):
                module.nn.functional.scaled_dot_product_attention(q, q, q)
            outcomes.append("ok")
        except RuntimeError as error:
            outcomes.append(str(error))
        module.nn.functional.scaled_dot_product_attention(q, q, q)  # the switches are back after the block
        assert (module.backends.cuda.math_sdp_enabled(), module.backends.cuda.flash_sdp_enabled()) == (True, True)
    assert outcomes[0] == outcomes[1]
    assert [b.name for b in SDPBackend] == [b.name for b in TorchBackend.__members__.values()]
    assert [int(b) for b in SDPBackend] == [int(b) for b in TorchBackend.__members__.values()]


def test_sdpa_kernel_type_error_and_global_switches_as_pytorch():
    messages = []
    for module, switch in ((gg, sdpa_kernel), (torch, torch_sdpa_kernel)):
        with pytest.raises(AssertionError) as error:
            with switch("math"):
                pass
        messages.append(str(error.value))
        cuda = module.backends.cuda
        q = module.ones(1, 2, 4)
        cuda.enable_math_sdp(False)
        cuda.enable_flash_sdp(False)
        try:
            with pytest.raises(RuntimeError, match="No viable backend"):
                module.nn.functional.scaled_dot_product_attention(q, q, q)
        finally:
            cuda.enable_math_sdp(True)
            cuda.enable_flash_sdp(True)
        with pytest.warns(FutureWarning, match="sdp_kernel"):
            with cuda.sdp_kernel(enable_flash=False, enable_mem_efficient=False):
                messages.append((cuda.flash_sdp_enabled(), cuda.mem_efficient_sdp_enabled(), cuda.math_sdp_enabled()))
        messages.append((cuda.flash_sdp_enabled(), cuda.cudnn_sdp_enabled()))
    assert messages[:3] == messages[3:]


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_as_pytorch(transpose):
    results = []
    for module in (gg, torch):
        module.manual_seed(0)
        conv = (module.nn.ConvTranspose2d(3, 4, 3) if transpose else module.nn.Conv2d(3, 4, 3)).double()
        bn = module.nn.BatchNorm2d(4).double()
        bn(conv(module.randn(5, 3, 6, 6, dtype=module.float64)))  # running statistics from one batch
        with module.no_grad():
            bn.weight.uniform_(0.5, 1.5)
        conv.eval()
        bn.eval()
        fused = module.nn.utils.fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        x = module.randn(2, 3, 6, 6, dtype=module.float64)
        results.append((fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), fused.weight.detach().numpy(),
                        type(fused.weight).__name__, fused.weight.requires_grad))
    ours, theirs = results
    np.testing.assert_allclose(ours[0], ours[1], rtol=1e-12, atol=1e-12)   # fusing changes nothing
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)             # and gives PyTorch's weights
    assert ours[3:] == theirs[3:]


def test_fuse_linear_bn_and_errors_as_pytorch():
    results = []
    for module in (gg, torch):
        module.manual_seed(1)
        linear, bn = module.nn.Linear(3, 4).double(), module.nn.BatchNorm1d(4).double()
        bn(linear(module.randn(8, 3, dtype=module.float64)))
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            module.nn.utils.fuse_linear_bn_eval(linear, bn)
        linear.eval()
        bn.eval()
        fused = module.nn.utils.fuse_linear_bn_eval(linear, bn)
        x = module.randn(2, 3, dtype=module.float64)
        results.append((fused(x).detach().numpy(), bn(linear(x)).detach().numpy()))
        with pytest.raises(AssertionError) as error:
            module.nn.utils.fuse_linear_bn_eval(linear, module.nn.BatchNorm1d(3).eval())
        results.append(str(error.value))
    np.testing.assert_allclose(results[0][0], results[0][1], rtol=1e-12)
    np.testing.assert_allclose(results[0][0], results[2][0], rtol=1e-12)
    assert results[1] == results[3]


def test_compiler_knobs_are_accepted_as_pytorch_accepts_them():
    """glassgrad has no compiler: the knobs programs set around torch.compile are kept or ignored, and
    the compiled model is the model (its output is the plain call's)."""
    for module in (gg, torch):
        module._dynamo.config.suppress_errors = True
        assert module._dynamo.config.suppress_errors is True
        module._dynamo.config.suppress_errors = False
        assert module._dynamo.reset() is None and module._dynamo.is_compiling() is False
        module._logging.set_logs()
        module._dynamo.mark_dynamic(module.ones(2, 3), 0)
        module._dynamo.mark_static(module.ones(2, 3), 0)
    layer = gg.nn.Linear(2, 2)
    assert gg._dynamo.optimize("inductor")(layer) is layer and gg._dynamo.allow_in_graph(layer) is layer
