"""Let PyTorch do the gradient check: torch.autograd.gradcheck.

New in this lesson: we write the MSE of post 1.2 as a custom autograd Function whose
backward is our hand-derived formula, and let gradcheck compare it with central
differences. A correct backward passes; float32 inputs and a buggy backward fail.
"""

import inspect
import warnings
from typing import Any

import torch

# Hyperparameters
N = 8  # a few data points are enough for a gradient check

torch.manual_seed(0)

# A small regression problem in float64, the dtype gradient checks want.
x: torch.Tensor = torch.randn(N, dtype=torch.float64)  # (N,)
y: torch.Tensor = 2 * x - 1 + 0.1 * torch.randn(N, dtype=torch.float64)  # (N,)
w: torch.Tensor = torch.randn(1, dtype=torch.float64, requires_grad=True)  # (1,)
b: torch.Tensor = torch.randn(1, dtype=torch.float64, requires_grad=True)  # (1,)


# %% function
class LinearMSE(torch.autograd.Function):
    """L(w, b) = mean((w * x + b - y)^2), with the backward derived by hand in post 1.2."""

    # ctx carries tensors from forward to backward (typed Any: its stub lacks saved_tensors)
    @staticmethod
    def forward(ctx: Any, w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        error = w * x + b - y  # (N,)
        ctx.save_for_backward(x, error)
        return (error**2).mean()

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        # grad_output = d(final loss)/d(our output), handed in by autograd (1 if we are the loss)
        x, error = ctx.saved_tensors
        grad_w = 2 * (error * x).mean()  # dL/dw, post 1.2
        grad_b = 2 * error.mean()  # dL/db
        # chain rule: multiply by grad_output; one gradient per input, None for data x and y
        return grad_output * grad_w.reshape(1), grad_output * grad_b.reshape(1), None, None


# %% check_float64
defaults = inspect.signature(torch.autograd.gradcheck).parameters
default_eps, default_atol, default_rtol = (defaults[k].default for k in ("eps", "atol", "rtol"))
print(f"gradcheck defaults: eps {default_eps} | atol {default_atol} | rtol {default_rtol}")
assert 0.1 < default_eps / torch.finfo(torch.float64).eps ** (1 / 3) < 10  # near the best step
torch.testing.assert_close(LinearMSE.apply(w, b, x, y), ((w * x + b - y) ** 2).mean())  # forward
passes_float64 = torch.autograd.gradcheck(LinearMSE.apply, (w, b, x, y))
print(f"correct backward, float64: {passes_float64}")
assert passes_float64

# %% check_float32
inputs_32 = [t.detach().float().requires_grad_(t.requires_grad) for t in (w, b, x, y)]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    passes_float32 = torch.autograd.gradcheck(LinearMSE.apply, inputs_32, raise_exception=False)
print(f"warning: {str(caught[0].message).split('.')[0]}")
print(f"correct backward, float32: {passes_float32}")
assert not passes_float32
assert "double precision" in str(caught[0].message)


# %% buggy tags=["raises-exception"]
class BuggyLinearMSE(LinearMSE):
    """Same forward; the backward pulls x out of the average, which is wrong."""

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, error = ctx.saved_tensors
        grad_w = 2 * error.mean() * x.mean()  # bug: mean(e * x) is not mean(e) * mean(x)
        grad_b = 2 * error.mean()
        return grad_output * grad_w.reshape(1), grad_output * grad_b.reshape(1), None, None


torch.autograd.gradcheck(BuggyLinearMSE.apply, (w, b, x, y))
