"""Let PyTorch do the gradient check: torch.autograd.gradcheck.

New in this lesson: we write the MSE of post 1.2 as a custom autograd Function whose
backward is our hand-derived formula, and let gradcheck compare it with central
differences. A correct backward passes, a buggy one fails, and float32 fails even
when the backward is right.
"""

import inspect
import math
import warnings

import torch

# Hyperparameters
N = 8  # a few data points are enough for a gradient check

torch.manual_seed(0)


# %% function
class LinearMSE(torch.autograd.Function):
    """L(w, b) = mean((w * x + b - y)^2), with the backward derived by hand in post 1.2."""

    @staticmethod
    def forward(ctx, w, b, x, y):
        error = w * x + b - y  # (N,)
        ctx.save_for_backward(x, error)
        return (error**2).mean()

    @staticmethod
    def backward(ctx, grad_output):
        x, error = ctx.saved_tensors
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # chain rule: scale by dOutput/dL; x and y get no gradient
        return grad_output * grad_w.reshape(1), grad_output * grad_b.reshape(1), None, None


x = torch.randn(N, dtype=torch.float64)  # (N,)
y = 2 * x - 1 + 0.1 * torch.randn(N, dtype=torch.float64)  # (N,)
w = torch.randn(1, dtype=torch.float64, requires_grad=True)  # (1,)
b = torch.randn(1, dtype=torch.float64, requires_grad=True)  # (1,)
loss = LinearMSE.apply(w, b, x, y)
reference = ((w * x + b - y) ** 2).mean()  # the same loss from built-in operations
torch.testing.assert_close(loss, reference)
print(f"loss {loss.item():.6f} | built-in {reference.item():.6f}")

# %% check_float64
defaults = inspect.signature(torch.autograd.gradcheck).parameters
default_eps = defaults["eps"].default
default_atol = defaults["atol"].default
default_rtol = defaults["rtol"].default
print(f"gradcheck defaults: eps {default_eps} | atol {default_atol} | rtol {default_rtol}")
# the default step is close to float64's central-difference sweet spot, eps ** (1/3)
assert abs(math.log10(default_eps / torch.finfo(torch.float64).eps ** (1 / 3))) < 1
passes_float64 = torch.autograd.gradcheck(LinearMSE.apply, (w, b, x, y))
print(f"gradcheck, correct backward, float64: {passes_float64}")
assert passes_float64


# %% buggy
class BuggyLinearMSE(LinearMSE):
    """Same forward; the backward pulls x out of the average, which is wrong."""

    @staticmethod
    def backward(ctx, grad_output):
        x, error = ctx.saved_tensors
        grad_w = 2 * error.mean() * x.mean()  # bug: mean(e * x) is not mean(e) * mean(x)
        grad_b = 2 * error.mean()
        return grad_output * grad_w.reshape(1), grad_output * grad_b.reshape(1), None, None


passes_buggy = torch.autograd.gradcheck(BuggyLinearMSE.apply, (w, b, x, y), raise_exception=False)
print(f"gradcheck, buggy backward,   float64: {passes_buggy}")
assert not passes_buggy

# %% check_float32
# The correct Function again, with every input in float32.
inputs_float32 = [t.detach().float().requires_grad_(t.requires_grad) for t in (w, b, x, y)]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    passes_float32 = torch.autograd.gradcheck(
        LinearMSE.apply, inputs_float32, raise_exception=False
    )
for warning in caught:
    print(f"warning: {str(warning.message).strip()}")
print(f"gradcheck, correct backward, float32: {passes_float32}")
assert not passes_float32
assert any("double precision" in str(warning.message) for warning in caught)

# What gradcheck saw: a central difference with its default step 1e-6, in float32.
w32, b32, x32, y32 = inputs_float32
with torch.no_grad():
    loss_up = LinearMSE.apply(w32 + default_eps, b32, x32, y32)
    loss_down = LinearMSE.apply(w32 - default_eps, b32, x32, y32)
    numerical_w_float32 = ((loss_up - loss_down) / (2 * default_eps)).item()
    analytical_w = 2 * ((w * x + b - y) * x).mean().item()
float32_gradcheck_error = abs(numerical_w_float32 - analytical_w) / abs(analytical_w)
print(f"dL/dw: float32 central difference {numerical_w_float32:.4f} | exact {analytical_w:.4f}")
assert float32_gradcheck_error > 1e-2

# %% buggy_error tags=["raises-exception"]
# With the default raise_exception=True, gradcheck says where the Jacobians differ.
torch.autograd.gradcheck(BuggyLinearMSE.apply, (w, b, x, y))
