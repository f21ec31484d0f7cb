"""The backward pass of a two-layer network by hand, checked against autograd.

New in this lesson: delta_2 and delta_1, the gradients of the loss with respect to the
output and to the pre-activations z_1. Every parameter gradient is built from them and
from tensors the forward pass computed. We check all four against autograd in float64,
over many random starting points, and see why float64 makes the check sharp.
"""

import statistics

import torch

# Sizes of the network
N: int = 64  # examples
d: int = 2  # inputs per example
m: int = 8  # hidden units
num_seeds: int = 20  # random starting points for the comparison
Params = dict[str, torch.Tensor]


def make_data(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A wavy surface: y = sin(2 x_1) + 0.5 x_2 plus a little noise, x uniform in [-2, 2]^2."""
    x = 4 * torch.rand(n, 2, generator=generator) - 2  # (n, 2)
    y = torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y  # y: (n, 1)


def init_params(seed: int, dtype: torch.dtype) -> Params:
    """Random weights scaled by 1/sqrt(fan-in), small random biases."""
    g = torch.Generator().manual_seed(seed)
    return {
        "W1": (torch.randn(m, d, generator=g) / d**0.5).to(dtype),  # (m, d)
        "b1": (0.1 * torch.randn(m, generator=g)).to(dtype),  # (m,)
        "W2": (torch.randn(1, m, generator=g) / m**0.5).to(dtype),  # (1, m)
        "b2": (0.1 * torch.randn(1, generator=g)).to(dtype),  # (1,)
    }


x32, y32 = make_data(N, torch.Generator().manual_seed(0))
x: torch.Tensor = x32.double()  # (N, d); the checks run in float64
y: torch.Tensor = y32.double()  # (N, 1)


def autograd_gradients(p: Params, x: torch.Tensor, y: torch.Tensor) -> Params:
    """The same gradients from loss.backward()."""
    leaves = {k: v.clone().requires_grad_() for k, v in p.items()}
    _, _, y_hat = forward(leaves, x)
    loss = ((y_hat - y) ** 2).mean()
    loss.backward()
    grads: Params = {}
    for k, v in leaves.items():
        assert v.grad is not None  # set by backward()
        grads[k] = v.grad
    return grads


# %% forward
def forward(p: Params, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Keep z1 and a1: the backward pass needs them, just as autograd saves them."""
    z1 = x @ p["W1"].T + p["b1"]  # (N, m), row i is W_1 x_i + b_1
    a1 = torch.relu(z1)  # (N, m)
    y_hat = a1 @ p["W2"].T + p["b2"]  # (N, 1)
    return z1, a1, y_hat


# %% backward
def manual_backward(p: Params, x: torch.Tensor, y: torch.Tensor) -> Params:
    """The chain rule, from the loss back to every parameter. Row i belongs to example i."""
    z1, a1, y_hat = forward(p, x)
    n = x.shape[0]
    delta2 = (2.0 / n) * (y_hat - y)  # (N, 1)  dL/dy_hat_i, from L = mean((y_hat - y)^2)
    dW2 = delta2.T @ a1  # (1, m)  sum over examples of delta2_i * a1_i
    db2 = delta2.sum(dim=0)  # (1,)  y_hat moves one-for-one with b2
    delta1 = (delta2 @ p["W2"]) * (z1 > 0)  # (N, m)  (W_2^T delta_2) ⊙ relu'(z_1), row by row
    dW1 = delta1.T @ x  # (m, d)  sum over examples of delta1_i x_i^T
    db1 = delta1.sum(dim=0)  # (m,)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# %% check
params: Params = init_params(0, torch.float64)
mine: Params = manual_backward(params, x, y)
theirs: Params = autograd_gradients(params, x, y)
check_gap: float = 0.0  # the largest gap over all four gradients
for name in mine:
    # shapes must match, and values to 1e-12 relative: far tighter than float64's defaults.
    # Another BLAS library (another machine) may sum in another order, which this allows.
    torch.testing.assert_close(mine[name], theirs[name], rtol=1e-12, atol=1e-15)
    gap = (mine[name] - theirs[name]).abs().max().item()
    check_gap = max(check_gap, gap)
    print(f"{name}: shape {tuple(mine[name].shape)} | largest gap to autograd {gap:.1e}")
print(f"largest gap over all four: {check_gap:g}")


# %% per_example
def per_example_backward(p: Params, x: torch.Tensor, y: torch.Tensor) -> Params:
    """The same gradients, one example at a time, with column vectors as in the math."""
    n = x.shape[0]
    grads = {k: torch.zeros_like(v) for k, v in p.items()}
    for i in range(n):
        z1 = p["W1"] @ x[i] + p["b1"]  # (m,)
        a1 = torch.relu(z1)  # (m,)
        y_hat = p["W2"] @ a1 + p["b2"]  # (1,)
        delta2 = (2.0 / n) * (y_hat - y[i])  # (1,)
        delta1 = (p["W2"].T @ delta2) * (z1 > 0)  # (m,)  (W_2^T delta_2) ⊙ relu'(z_1)
        grads["W2"] += torch.outer(delta2, a1)  # (1, m)  each example adds its share
        grads["b2"] += delta2
        grads["W1"] += torch.outer(delta1, x[i])  # (m, d)
        grads["b1"] += delta1
    return grads


# %% precision
def relative_gap(a: Params, b: Params) -> float:
    """The largest gap over all four gradients, relative to the largest entry."""
    gaps = [((a[k] - b[k]).abs().max() / b[k].abs().max()).item() for k in a]
    return max(gaps)


# Same formulas, different order of additions: the results differ by rounding only.
gaps_64: list[float] = []
gaps_32: list[float] = []
exact_zeros: int = 0  # pre-activations exactly 0, where ReLU's slope is a convention
for seed in range(num_seeds):
    for dtype, gaps in [(torch.float64, gaps_64), (torch.float32, gaps_32)]:
        p = init_params(seed, dtype)
        xs, ys = x.to(dtype), y.to(dtype)
        exact_zeros += int((forward(p, xs)[0] == 0).sum())
        mine_s, theirs_s = per_example_backward(p, xs, ys), autograd_gradients(p, xs, ys)
        for k in mine_s:  # each dtype at its own default tolerance
            torch.testing.assert_close(mine_s[k], theirs_s[k])
        gaps.append(relative_gap(mine_s, theirs_s))

median_gap_64: float = statistics.median(gaps_64)
max_gap_64: float = max(gaps_64)
median_gap_32: float = statistics.median(gaps_32)
max_gap_32: float = max(gaps_32)
eps_64: float = torch.finfo(torch.float64).eps
eps_32: float = torch.finfo(torch.float32).eps
print(f"over {num_seeds} starting points, relative gap between hand and autograd:")
print(f"  float64: median {median_gap_64:.1e}, max {max_gap_64:.1e} (eps {eps_64:.1e})")
print(f"  float32: median {median_gap_32:.1e}, max {max_gap_32:.1e} (eps {eps_32:.1e})")
max_eps_64: float = max_gap_64 / eps_64  # the largest gap, in units of eps
max_eps_32: float = max_gap_32 / eps_32
print(f"  largest gap: {max_eps_64:.0f} eps in float64, {max_eps_32:.0f} eps in float32")
assert max_gap_64 < 100 * eps_64 and max_gap_32 < 100 * eps_32  # rounding, nothing more
assert exact_zeros == 0  # no point tested sits on ReLU's kink
assert min(gaps_32) > 1e6 * max_gap_64  # float32's noise floor is a million times higher

# %% subtle_bug
# A gradient wrong by one part in a million (say, a constant slightly off), injected into
# the per-example gradients, each computed in its own precision.
subtle_bug: float = 1e-6


def passes(hand: Params, auto: Params, rtol: float | None = None, atol: float | None = None) -> bool:
    """True if assert_close accepts all four gradients (None, None: the dtype's defaults)."""
    try:
        for k in hand:
            torch.testing.assert_close(hand[k], auto[k], rtol=rtol, atol=atol)
    except AssertionError:
        return False
    return True


passed_32 = passed_32_no_atol = caught_64 = 0
for seed in range(num_seeds):
    p32, p64 = init_params(seed, torch.float32), init_params(seed, torch.float64)
    bugged_32 = per_example_backward(p32, x.float(), y.float())
    bugged_64 = per_example_backward(p64, x, y)
    bugged_32["W1"] = bugged_32["W1"] * (1 + subtle_bug)
    bugged_64["W1"] = bugged_64["W1"] * (1 + subtle_bug)
    auto_32, auto_64 = autograd_gradients(p32, x.float(), y.float()), autograd_gradients(p64, x, y)
    passed_32 += passes(bugged_32, auto_32)  # float32's defaults: rtol 1.3e-6, atol 1e-5
    passed_32_no_atol += passes(bugged_32, auto_32, rtol=1.3e-6, atol=0.0)
    caught_64 += not passes(bugged_64, auto_64, rtol=1e-12, atol=1e-15)  # the check cell's
print(f"over {num_seeds} starting points, the bug of {subtle_bug:.0e} in dL/dW1:")
print(f"  float32, defaults (rtol 1.3e-6, atol 1e-5): passes at {passed_32}")
print(f"  float32, rtol 1.3e-6 and atol 0:           passes at {passed_32_no_atol}")
print(f"  float64, rtol 1e-12 and atol 1e-15:        caught at {caught_64}")
assert passed_32 == num_seeds and caught_64 == num_seeds
assert passed_32_no_atol >= num_seeds // 2  # the bug sits under rtol alone, mostly
assert max_gap_32 > 0.1 * subtle_bug  # float32 noise is as big as the bug

# %% wrong_shape tags=["raises-exception"]
# A beginner's slip: dW1 written as x.T @ delta1, the transpose of the right answer.
z1, a1, y_hat = forward(params, x)
delta2 = (2.0 / N) * (y_hat - y)  # (N, 1)
delta1 = (delta2 @ params["W2"]) * (z1 > 0)  # (N, m)
dW1_wrong = x.T @ delta1  # (d, m): the shape of W1 transposed
torch.testing.assert_close(dW1_wrong, theirs["W1"])
