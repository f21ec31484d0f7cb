"""What one gradient costs: central differences against autograd, as the model grows.

New in this lesson: we count the work. torch.utils.flop_counter counts the floating-point
operations of the matrix products (most of the work of this model, nearly all of it once P
is large), so the numbers are exact and the same on every machine, unlike a stopwatch.
"""

import matplotlib.pyplot as plt
import torch
from torch.utils.flop_counter import FlopCounterMode

# Hyperparameters
N = 200  # number of examples
feature_counts = [1, 3, 10, 30, 100]  # model sizes; P = features + 1 (the bias)
h = 1e-5  # central-difference step for float64

torch.manual_seed(0)

# %% counting
passes = 0  # loss evaluations (forward passes), counted by loss_fn


def loss_fn(theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """MSE of a linear model; X has a column of ones, so theta holds w and b."""
    global passes
    passes += 1
    return ((X @ theta - y) ** 2).mean()


def numerical_gradient(theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Central difference along each parameter in turn: 2 loss evaluations each."""
    grad = torch.zeros_like(theta)
    for j in range(theta.numel()):
        step = torch.zeros_like(theta)
        step[j] = h
        grad[j] = (loss_fn(theta + step, X, y) - loss_fn(theta - step, X, y)) / (2 * h)
    return grad


# %% scaling
num_params: list[int] = []
flops_numerical: list[int] = []
flops_autograd: list[int] = []
print("     P | numerical: passes      FLOPs | autograd: fwd FLOPs  bwd FLOPs | ratio")
for count in feature_counts:
    X = torch.cat([torch.rand(N, count), torch.ones(N, 1)], dim=1).double()  # (N, P)
    y = torch.rand(N, 1, dtype=torch.float64)  # (N, 1)
    theta = torch.zeros(count + 1, 1, dtype=torch.float64, requires_grad=True)  # (P, 1)
    P = theta.numel()
    # numerical: 2P forward passes, no backward
    passes = 0
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        numerical = numerical_gradient(theta, X, y)
    numerical_flops = counter.get_total_flops()
    numerical_passes = passes
    # autograd: one forward, one backward
    with FlopCounterMode(display=False) as counter:
        loss = loss_fn(theta, X, y)
    forward_flops = counter.get_total_flops()
    with FlopCounterMode(display=False) as counter:
        loss.backward()
    backward_flops = counter.get_total_flops()
    assert theta.grad is not None  # set by backward()
    torch.testing.assert_close(numerical, theta.grad)  # same gradient, two prices
    autograd_flops = forward_flops + backward_flops
    ratio = numerical_flops / autograd_flops
    print(
        f"{P:6d} | {numerical_passes:16d} {numerical_flops:10.2e} |"
        f" {forward_flops:19.2e} {backward_flops:10.2e} | {ratio:5.0f}"
    )
    assert numerical_passes == 2 * P
    assert backward_flops == forward_flops  # here a backward costs one forward
    assert ratio == P  # 2P forwards against 2 forwards' worth
    assert autograd_flops == 4 * N * P and numerical_flops == 4 * N * P**2  # slopes 1 and 2
    num_params.append(P)
    flops_numerical.append(numerical_flops)
    flops_autograd.append(autograd_flops)
largest_P = num_params[-1]
largest_ratio = flops_numerical[-1] / flops_autograd[-1]
# Outside the matrix products each pass does about 3 operations per example (subtract y,
# square, add up for the mean; a backward about as many), against 2P in the product.
elementwise_per_pass = 3 * N
matmul_share = [2 * N * P / (2 * N * P + elementwise_per_pass) for P in num_params]
matmul_share_smallest, matmul_share_largest = 100 * matmul_share[0], 100 * matmul_share[-1]  # percent
print(
    f"matrix products: {matmul_share_smallest:.0f}% of the work at P = {num_params[0]}, "
    f"{matmul_share_largest:.0f}% at P = {num_params[-1]}"
)
assert 50 < matmul_share_smallest < 60 and matmul_share_largest > 98
print(f"Result: at P = {largest_P} one numerical gradient costs {largest_ratio:.0f}x autograd's")

fig, ax = plt.subplots()
ax.loglog(num_params, flops_numerical, "o-", label="central differences (2P forward passes)")
ax.loglog(num_params, flops_autograd, "s-", label="autograd (1 forward + 1 backward)")
ax.set_title(f"Work for one gradient, N = {N} examples")
ax.set_xlabel("number of parameters P")
ax.set_ylabel("FLOPs of the matrix products")
ax.legend()
plt.show()
