"""Gradients in a deep stack: how much of the backward signal reaches each layer.

New in this lesson: a network with 7 hidden layers. Each layer's weight gradient is
measured at initialisation for sigmoid, tanh and ReLU, then a deep sigmoid stack is
trained and fails, and the same stack with ReLU is trained and succeeds.
"""

import itertools
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from common import Activation, X, activations, y

# Settings
depth: int = 8  # weight layers: 7 hidden layers of width m, then the output layer
m: int = 32
num_seeds: int = 20
learning_rate: float = 0.3
num_steps: int = 200
compared: list[str] = ["sigmoid", "tanh", "ReLU"]


# %% model
def init_stack(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(W_l, b_l) for l = 1..depth, for num_seeds networks; W ~ N(0, 1/fan_in), b = 0."""
    g = torch.Generator().manual_seed(seed)
    sizes = [2] + [m] * (depth - 1) + [1]
    layers: list[tuple[torch.Tensor, torch.Tensor]] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        W = (torch.randn(num_seeds, fan_in, fan_out, generator=g) / math.sqrt(fan_in)).requires_grad_()
        layers.append((W, torch.zeros(num_seeds, 1, fan_out, requires_grad=True)))
    return layers


def forward(layers: list[tuple[torch.Tensor, torch.Tensor]], phi: Activation) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Per-seed loss (num_seeds,) and the pre-activations z_l of every hidden layer."""
    a, zs = X, []
    for layer, (W, b) in enumerate(layers):
        z = a @ W + b  # W stored as (fan_in, fan_out), the transpose of W_l
        if layer < depth - 1:  # hidden layer: apply phi; the last layer outputs the logit
            zs.append(z)
            a = phi(z)
    logits = z.squeeze(-1)
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(dim=1), zs


def train_stack(name: str, lr: float) -> tuple[torch.Tensor, list[float]]:
    """Train the 20 stacks from init_stack(seed=2) with activation `name` at step lr.

    Returns the final loss per seed and, per layer, the median relative change of W_l."""
    layers = init_stack(seed=2)
    start = [W.detach().clone() for W, _ in layers]
    for _ in range(num_steps):
        loss = forward(layers, activations[name])[0]
        loss.sum().backward()
        with torch.no_grad():
            for W, b in layers:
                for p in (W, b):
                    assert p.grad is not None  # set by backward()
                    p -= lr * p.grad
                    p.grad = None
    moved = [((W.detach() - W0).norm(dim=(1, 2)) / W0.norm(dim=(1, 2))).median().item()
             for (W, _), W0 in zip(layers, start, strict=True)]
    return loss.detach(), moved


def grad_rms(layers: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Root-mean-square of each layer's weight gradient, per seed: shape (num_seeds, depth)."""
    rms = []
    for W, _ in layers:
        assert W.grad is not None  # set by backward()
        rms.append(W.grad.pow(2).mean(dim=(1, 2)).sqrt())
    return torch.stack(rms, dim=1)


# %% measure
rms_at_init: dict[str, torch.Tensor] = {}
mean_slope: dict[str, list[float]] = {}  # the average phi'(z_l) per hidden layer
spread: dict[str, float] = {}  # how much z_7 still differs between examples, relative to z_1
for name in compared:
    layers = init_stack(seed=2)  # the same 20 starting points for every activation
    loss, zs = forward(layers, activations[name])
    loss.sum().backward()  # each seed's parameters reach only its own loss
    rms_at_init[name] = grad_rms(layers)
    slopes = []
    for z in zs:
        z_in = z.detach().requires_grad_()
        (slope,) = torch.autograd.grad(activations[name](z_in).sum(), z_in)  # phi'(z), elementwise
        slopes.append(slope.mean().item())
    mean_slope[name] = slopes
    spread[name] = (zs[-1].std(dim=1).mean() / zs[0].std(dim=1).mean()).item()  # std over the N examples
    print(f"{name:8s} mean phi'(z_l), layers 1-7: {' '.join(f'{s:.2f}' for s in slopes)}"
          f" | spread of z_7 over the examples / that of z_1: {spread[name]:.1e}")

# How much weaker the first layer's gradient is than the last hidden layer's, per seed
first_over_last: dict[str, torch.Tensor] = {n: r[:, 0] / r[:, depth - 2] for n, r in rms_at_init.items()}
for name, ratio in first_over_last.items():
    print(f"{name:8s} RMS gradient, layer 1 / layer 7: median {ratio.median():.1e} [{ratio.min():.1e}, {ratio.max():.1e}]")
sigmoid_first_over_last: float = first_over_last["sigmoid"].median().item()
tanh_first_over_last: float = first_over_last["tanh"].median().item()
relu_first_over_last: float = first_over_last["ReLU"].median().item()
# the shrink factor per layer, on the way back through hidden layers 7 -> 2
sigmoid_shrink_per_layer: float = (rms_at_init["sigmoid"][:, depth - 2] / rms_at_init["sigmoid"][:, 1]).median().item() ** (1 / (depth - 3))
sigmoid_worst_ratio: float = first_over_last["sigmoid"].max().item()
assert sigmoid_first_over_last < 1e-3  # the median seed: below a thousandth
assert 10 * sigmoid_worst_ratio < min(first_over_last["tanh"].min(), first_over_last["ReLU"].min())  # every seed
assert 0.5 < tanh_first_over_last < 2 and 0.5 < relu_first_over_last < 2  # level: no vanishing
assert 3 < sigmoid_shrink_per_layer < 6  # about 1 / (the sigmoid's largest slope, 1/4)
assert max(mean_slope["sigmoid"]) < 0.25  # the cap every sigmoid layer multiplies by
sigmoid_spread: float = spread["sigmoid"]
tanh_spread: float = spread["tanh"]
relu_spread: float = spread["ReLU"]
assert 100 * sigmoid_spread < min(tanh_spread, relu_spread)  # the forward signal fades too ...
assert relu_spread < tanh_spread < 1  # ... and for tanh and ReLU it shrinks as well, only far less
# ReLU zeroes about half of each z, so with weights of variance 1/fan_in the variance of z
# halves per layer and its size shrinks by about 1/sqrt(2) ~ 0.71. The spread between the
# examples shrinks a little faster, since part of what ReLU keeps is a mean shared by all
# of them (for a centred normal z, sqrt(1/2 - 1/(2 pi)) ~ 0.58). Six layers from z_1 to z_7:
relu_spread_per_layer: float = relu_spread ** (1 / 6)
assert 0.58 < relu_spread_per_layer < 1 / math.sqrt(2)

# %% plot
fig, ax = plt.subplots(figsize=(8, 4.5))
layer_numbers = list(range(1, depth + 1))
for name in compared:
    r = rms_at_init[name]
    line, = ax.plot(layer_numbers, r.median(dim=0).values.numpy(), marker="o", label=f"{name}: median")
    ax.fill_between(layer_numbers, r.min(dim=0).values.numpy(), r.max(dim=0).values.numpy(), color=line.get_color(), alpha=0.2)
ax.set_yscale("log")
ax.set_title(f"Weight-gradient size per layer at initialisation, {depth} layers, {num_seeds} seeds")
ax.set_xlabel("layer (1 = next to the input, 8 = output)")
ax.set_ylabel("RMS of dL/dW_l")
ax.legend()
fig.tight_layout()
plt.show()

# %% broken
# A beginner builds a deep classifier from sigmoid layers and trains it as in compare.py.
sigmoid_losses, sigmoid_moved = train_stack("sigmoid", learning_rate)
sigmoid_final_loss: float = sigmoid_losses.median().item()
sigmoid_first_moved: float = sigmoid_moved[0]  # how far W_1 moved, relative to its start
print(f"sigmoid stack after {num_steps} steps: loss {sigmoid_final_loss:.4f} "
      f"[{sigmoid_losses.min():.4f}, {sigmoid_losses.max():.4f}] (log 2 = {math.log(2):.4f})")
print("relative change of W_l, layers 1-8:", " ".join(f"{v:.0e}" for v in sigmoid_moved))
assert abs(sigmoid_losses.max() - math.log(2)) < 0.01 and sigmoid_first_moved < 1e-2  # stuck at a coin flip

# Would a larger step make up for the vanishing gradient? The same 20 stacks, other rates.
sweep_rates: list[float] = [1.2, 3.0, 10.0, 30.0]
sweep_losses = [sigmoid_losses] + [train_stack("sigmoid", lr)[0] for lr in sweep_rates]
sweep_medians: list[float] = [loss.median().item() for loss in sweep_losses]  # eta = 0.3, 1.2, 3, 10, 30
sweep_best_loss: float = min(loss.min().item() for loss in sweep_losses)
for lr, loss in zip(sweep_rates, sweep_losses[1:], strict=True):
    print(f"  eta {lr:4g}: loss {loss.median():.4f} [{loss.min():.4f}, {loss.max():.4f}]")
assert sweep_best_loss > 0.6  # no rate, no seed gets clearly below a coin flip
assert all(abs(v - math.log(2)) < 0.001 for v in sweep_medians[:3])  # eta <= 3: still log 2
assert min(sweep_medians[3:]) > math.log(2)  # eta = 10, 30: worse than a coin flip
sweep_median_small: float = max(sweep_medians[:3])
sweep_median_10: float = sweep_medians[3]
sweep_median_30: float = sweep_medians[4]

# %% fix
relu_losses, relu_moved = train_stack("ReLU", learning_rate)  # the only change: "sigmoid" -> "ReLU"
relu_final_loss: float = relu_losses.median().item()
relu_first_moved: float = relu_moved[0]
relu_worst_loss: float = relu_losses.max().item()
print(f"ReLU stack after {num_steps} steps: loss {relu_final_loss:.4f} [{relu_losses.min():.4f}, {relu_worst_loss:.4f}]")
print("relative change of W_l, layers 1-8:", " ".join(f"{v:.0e}" for v in relu_moved))
first_moved_ratio: float = relu_first_moved / sigmoid_first_moved
assert relu_final_loss < 0.05 and first_moved_ratio > 100
