"""Checking a gradient: central differences, round-off, float64 and gradcheck.

New here: nothing new, post 1.5 in one cell. The central difference needs only
the loss; how close it gets to autograd's gradient depends on the step h and,
even more, on the float type.
"""

import warnings

import torch

from parabola import initial, x, y

# Hyperparameters
steps: list[float] = [1e-2, 1e-4, 1e-6]  # values of h to try, largest first


# %% check
def loss_at(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """MSE of the parabola with theta = [a, w, b], as one function of one tensor."""
    return ((theta[0] * x**2 + theta[1] * x + theta[2] - y) ** 2).mean()


def relative_error(dtype: torch.dtype, h: float) -> float:
    """|numerical - autograd| / max(|numerical|, |autograd|) at `initial`, in `dtype` (as in 1.5)."""
    theta = initial.to(dtype, copy=True).requires_grad_()  # a fresh leaf
    xs, ys = x.to(dtype), y.to(dtype)
    loss_at(theta, xs, ys).backward()
    assert theta.grad is not None  # set by backward()
    numerical = torch.zeros(3, dtype=dtype)
    with torch.no_grad():
        for j in range(3):  # nudge one parameter at a time, both ways
            nudge = torch.zeros(3, dtype=dtype)
            nudge[j] = h
            numerical[j] = (loss_at(theta + nudge, xs, ys) - loss_at(theta - nudge, xs, ys)) / (2 * h)
    return ((numerical - theta.grad).norm() / torch.maximum(numerical.norm(), theta.grad.norm())).item()


errors: dict[torch.dtype, list[float]] = {
    dtype: [relative_error(dtype, h) for h in steps] for dtype in (torch.float32, torch.float64)
}
print("h       | float32 rel. error | float64 rel. error")
for k, h in enumerate(steps):
    print(f"{h:.0e}   | {errors[torch.float32][k]:18.1e} | {errors[torch.float64][k]:17.1e}")
h_large, h_small = steps[0], steps[-1]
large_h_error32, large_h_error64 = errors[torch.float32][0], errors[torch.float64][0]
worst_error32 = errors[torch.float32][-1]  # at h_small
# The loss is quadratic in theta, so the central difference has no truncation error:
# all that is left is round-off, about eps * |L| / h, which grows as h shrinks.
for errs in errors.values():
    assert errs[0] < errs[1] < errs[2]
assert large_h_error32 > 1e6 * large_h_error64  # float64 wins by six digits or more
assert worst_error32 > 1e-2  # float32 with a tiny h: hardly a check at all

# gradcheck does the same comparison for you. It does not convert to float64: it warns,
# and passes where |autograd - numerical| <= atol + rtol * |numerical|, entry by entry.
theta64 = initial.double().requires_grad_()
passed64 = torch.autograd.gradcheck(lambda t: loss_at(t, x.double(), y.double()), theta64)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    passed32 = torch.autograd.gradcheck(
        lambda t: loss_at(t, x, y), initial.clone().requires_grad_(), raise_exception=False
    )
print(f"gradcheck in float64: {passed64} | in float32: {passed32}")
print(f"its warning in float32: {str(caught[0].message).split('.')[0]}.")
assert passed64 and not passed32
