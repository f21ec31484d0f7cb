"""Solutions to the exercises of "Numerical vs. Analytical Gradients", one cell each."""

import inspect
import math
import warnings
from typing import Any

import torch

# Hyperparameters
N = 100  # exercise 1: number of examples
h = 1e-5  # exercise 1: central-difference step in float64
backward_error = 1e-5  # exercise 2: the wrong backward is scaled by 1 + backward_error
tight_atol, tight_rtol = 1e-9, 1e-7  # exercise 2: tolerances for the float64 check

torch.manual_seed(42)

# Exercise 2 writes gradcheck's defaults out; check they are what this torch uses.
gradcheck_defaults = inspect.signature(torch.autograd.gradcheck).parameters
assert [gradcheck_defaults[k].default for k in ("eps", "atol", "rtol")] == [1e-6, 1e-5, 1e-3]

# %% solution_1
# Two features: y = Phi @ theta + noise, each row of Phi is (x_1, x_2, 1), theta = (w_1, w_2, b).
inputs = torch.rand(N, 2, dtype=torch.float64) * 2 - 1  # (N, 2)
Phi: torch.Tensor = torch.cat([inputs, torch.ones(N, 1, dtype=torch.float64)], dim=1)  # (N, 3)
y: torch.Tensor = Phi @ torch.tensor([1.5, -3.0, 0.5], dtype=torch.float64)  # (N,)
y = y + 0.1 * torch.randn(N, dtype=torch.float64)
theta: torch.Tensor = torch.randn(3, dtype=torch.float64)  # (w_1, w_2, b)


def loss_fn(theta: torch.Tensor) -> torch.Tensor:
    return ((Phi @ theta - y) ** 2).mean()


hand = 2 / N * Phi.T @ (Phi @ theta - y)  # (3,): dL/dw_1, dL/dw_2, dL/db

numerical = torch.zeros(3, dtype=torch.float64)
for j in range(3):
    step = torch.zeros(3, dtype=torch.float64)
    step[j] = h
    numerical[j] = (loss_fn(theta + step) - loss_fn(theta - step)) / (2 * h)

print(f"hand      {hand.tolist()}\nnumerical {numerical.tolist()}")
torch.testing.assert_close(hand, numerical, rtol=1e-7, atol=1e-9)


# %% solution_2
class ScaledSin(torch.autograd.Function):
    """sin(x), with its backward multiplied by `scale` (1.0 is the correct backward)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.scale = scale
        return torch.sin(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_output * torch.cos(x) * ctx.scale, None  # no gradient for scale


def passes(x: torch.Tensor, scale: float, eps: float, atol: float, rtol: float) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # we know when the inputs are float32
        return torch.autograd.gradcheck(
            lambda t: ScaledSin.apply(t, scale), (x,), eps=eps, atol=atol, rtol=rtol, raise_exception=False
        )


num_points = 25  # exercise 2: points from -3 to 3
x64 = torch.linspace(-3, 3, num_points, dtype=torch.float64).requires_grad_()  # (num_points,)
x32 = x64.detach().float().requires_grad_()
step_32 = torch.finfo(torch.float32).eps ** (1 / 3)  # float32's best step
default_eps = 1e-6  # gradcheck's default step
loose_atol, loose_rtol = 1e-5, 1e-3  # gradcheck's default tolerances
tighten_factor = loose_rtol / tight_rtol
tighten_decades = round(math.log10(tighten_factor))  # orders of magnitude
wrong_scale = 1 + backward_error
results: dict[str, tuple[bool, bool]] = {}  # (correct passes, wrong passes)
for name, x, eps, atol, rtol in [
    ("float32, all defaults", x32, default_eps, loose_atol, loose_rtol),
    ("float32, default tol., step eps^(1/3)", x32, step_32, loose_atol, loose_rtol),
    ("float32, tight, step eps^(1/3)", x32, step_32, tight_atol, tight_rtol),
    ("float64, all defaults", x64, default_eps, loose_atol, loose_rtol),
    ("float64, tight", x64, default_eps, tight_atol, tight_rtol),
]:
    results[name] = (passes(x, 1.0, eps, atol, rtol), passes(x, wrong_scale, eps, atol, rtol))
    print(f"{name:37} | correct passes {results[name][0]!s:5} | wrong passes {results[name][1]}")
assert results["float32, all defaults"] == (False, False)  # eps = 1e-6 is far too small for float32
assert results["float32, default tol., step eps^(1/3)"] == (True, True)  # the bug slips through
assert results["float32, tight, step eps^(1/3)"] == (False, False)  # float32 noise fails even the correct one
assert results["float64, all defaults"] == (True, True)  # the bug slips through here too
assert results["float64, tight"] == (True, False)  # caught, with no false alarm

# %% solution_2_why
# Why: the error of the central difference itself, which each check must tolerate
with torch.no_grad():
    estimate_32 = ((x32 + step_32).sin() - (x32 - step_32).sin()) / (2 * step_32)
    estimate_64 = ((x64 + default_eps).sin() - (x64 - default_eps).sin()) / (2 * default_eps)
    noise_32 = (estimate_32.double() - x64.cos()).abs()  # (num_points,)
    noise_64 = (estimate_64 - x64.cos()).abs()  # (num_points,)
    allowed_loose = loose_atol + loose_rtol * estimate_32.double().abs()  # what the default test admits
    wrong_gap = backward_error * x64.cos().abs()  # how far the wrong backward is from cos x
worst = int(noise_32.argmax())
worst_noise_32 = noise_32[worst].item()
worst_x = x64[worst].item()
allowed_at_worst = allowed_loose[worst].item()
worst_noise_64 = noise_64.max().item()
worst_wrong_gap = wrong_gap.max().item()
print(
    f"worst numerical error: float32 {worst_noise_32:.1e} (at x = {worst_x:g}) | float64 {worst_noise_64:.1e}"
)
print(
    f"default test admits {allowed_at_worst:.1e} there | wrong backward is off by at most {worst_wrong_gap:.1e}"
)
assert worst_noise_64 < tight_atol < loose_atol < worst_noise_32 < allowed_at_worst  # rtol * |n| admits it
assert bool((noise_32 < allowed_loose).all())
assert worst_wrong_gap <= loose_atol * (1 + 1e-12)  # within atol alone: no precision can catch it
