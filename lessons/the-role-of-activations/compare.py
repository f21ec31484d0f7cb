"""The same one-hidden-layer network, trained with each activation, over 20 seeds at once.

New in this lesson: the seeds are trained side by side. Every parameter gets a leading
seed axis, so one forward pass runs 20 independent networks.
"""

import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from common import Activation, X, activations, sigmoid_saturation_z, tanh_saturation_z, y

# Settings
m: int = 16  # hidden units
num_seeds: int = 20  # independent initialisations per activation
learning_rate: float = 1.0  # plain gradient descent, full batch
num_steps: int = 500


# %% model
def init_params(seed: int) -> list[torch.Tensor]:
    """W1, b1, W2, b2 for num_seeds networks; weights ~ N(0, 1/fan_in), biases 0."""
    g = torch.Generator().manual_seed(seed)
    # W1 is stored as (d, m) = (2, m), the transpose of the m x d matrix W_1 of the notation,
    # so that a batch of rows X (N, d) goes through the layer as X @ W1.
    W1 = torch.randn(num_seeds, 2, m, generator=g) / math.sqrt(2)
    W2 = torch.randn(num_seeds, m, 1, generator=g) / math.sqrt(m)
    b1, b2 = torch.zeros(num_seeds, 1, m), torch.zeros(num_seeds, 1, 1)
    return [p.requires_grad_() for p in (W1, b1, W2, b2)]


def forward(params: list[torch.Tensor], phi: Activation) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (num_seeds, N) and pre-activations z1 (num_seeds, N, m) of every network."""
    W1, b1, W2, b2 = params
    z1 = X @ W1 + b1  # (N, 2) @ (S, 2, m) broadcasts to (S, N, m)
    a1 = phi(z1)
    return (a1 @ W2 + b2).squeeze(-1), z1


def per_seed_loss(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each network on its own: shape (num_seeds,)."""
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(dim=1)


# %% train
def train(phi: Activation, lr: float, thresh: float | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[float]]:
    """Loss per step and seed, final z1 and accuracy, and the saturated share per step (if thresh)."""
    params = init_params(seed=1)  # the same 20 starting points for every activation
    history: list[torch.Tensor] = []
    saturated: list[float] = []
    for _ in range(num_steps):
        logits, z1 = forward(params, phi)
        loss = per_seed_loss(logits)
        history.append(loss.detach())
        if thresh is not None:
            saturated.append((z1.abs() > thresh).float().mean().item())
        # Summing the 20 losses is safe: seed s's parameters touch only loss[s],
        # so each network receives exactly its own gradient.
        loss.sum().backward()
        with torch.no_grad():
            for p in params:
                assert p.grad is not None  # set by backward()
                p -= lr * p.grad
                p.grad = None
    with torch.no_grad():
        logits, z1 = forward(params, phi)
    return torch.stack(history), z1, ((logits > 0).float() == y).float().mean(dim=1), saturated


curves: dict[str, torch.Tensor] = {}  # name -> (num_steps, num_seeds) loss at every step
final_z1: dict[str, torch.Tensor] = {}  # name -> z1 after training
final_accuracy: dict[str, torch.Tensor] = {}  # name -> (num_seeds,)
thresholds: dict[str, float] = {"sigmoid": sigmoid_saturation_z, "tanh": tanh_saturation_z}
saturation: dict[str, list[float]] = {}  # share of saturated (example, unit) pairs, sigmoid and tanh
for name, phi in activations.items():
    curves[name], final_z1[name], final_accuracy[name], share = train(phi, learning_rate, thresholds.get(name))
    if name in thresholds:
        saturation[name] = share

# %% check_batched
# Seed 0 of the ReLU run, retrained as one ordinary nn.Sequential with torch.optim.SGD:
# the batched loop must give the same loss at every step.
W1, b1, W2, b2 = (p[0].detach() for p in init_params(seed=1))
first, second = torch.nn.Linear(2, m), torch.nn.Linear(m, 1)
with torch.no_grad():  # nn.Linear stores its weight as (out, in): the transpose of ours
    first.weight.copy_(W1.T), first.bias.copy_(b1[0]), second.weight.copy_(W2.T), second.bias.copy_(b2[0])
net = torch.nn.Sequential(first, torch.nn.ReLU(), second)
optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
plain_losses: list[float] = []
for _ in range(num_steps):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(net(X).squeeze(1), y)
    plain_losses.append(loss.item())
    loss.backward()
    optimizer.step()
torch.testing.assert_close(curves["ReLU"][:, 0], torch.tensor(plain_losses), rtol=1e-4, atol=1e-5)
print(f"seed 0, ReLU: batched and nn.Sequential agree at all {num_steps} steps")

# %% results
print(f"after {num_steps} steps, {num_seeds} seeds: median [min, max]")
median_loss: dict[str, float] = {}
for name in activations:
    final = curves[name][-1]
    acc = final_accuracy[name]
    median_loss[name] = final.median().item()
    print(f"{name:10s}  loss {final.median():.4f} [{final.min():.4f}, {final.max():.4f}]"
          f"  accuracy {acc.median():.3f} [{acc.min():.3f}, {acc.max():.3f}]")
sigmoid_median_loss: float = median_loss["sigmoid"]
tanh_median_loss: float = median_loss["tanh"]
relu_median_loss: float = median_loss["ReLU"]
sigmoid_median_accuracy: float = final_accuracy["sigmoid"].median().item()
sigmoid_worst_accuracy: float = final_accuracy["sigmoid"].min().item()
relu_family_worst_accuracy: float = min(final_accuracy[n].min().item() for n in ("ReLU", "leaky ReLU", "GELU"))
sigmoid_over_relu: float = sigmoid_median_loss / relu_median_loss
tanh_over_relu: float = tanh_median_loss / relu_median_loss
tanh_median_accuracy: float = final_accuracy["tanh"].median().item()
tanh_worst_accuracy: float = final_accuracy["tanh"].min().item()

# Saturation and dead units, measured on the trained networks
sigmoid_saturated: float = saturation["sigmoid"][-1]
tanh_saturated: float = saturation["tanh"][-1]
sigmoid_saturated_start: float = saturation["sigmoid"][0]
tanh_saturated_start: float = saturation["tanh"][0]
assert sigmoid_saturated_start < sigmoid_saturated and tanh_saturated_start < tanh_saturated  # the weights grow
relu_off: float = (final_z1["ReLU"] <= 0).float().mean().item()  # one (example, unit) pair at a time
relu_dead: float = (final_z1["ReLU"] <= 0).all(dim=1).float().mean().item()  # off on every example
print(f"saturated (example, unit) pairs, start -> end: sigmoid {sigmoid_saturated_start:.1%} -> {sigmoid_saturated:.1%},"
      f" tanh {tanh_saturated_start:.1%} -> {tanh_saturated:.1%}")
print(f"ReLU: off on {relu_off:.1%} of pairs, dead units {relu_dead:.1%}")

# The claims of the post, over all 20 seeds
assert sigmoid_median_loss > 5 * tanh_median_loss > 5 * relu_median_loss  # orderings of the medians
assert curves["sigmoid"][-1].min() > curves["tanh"][-1].max()  # every sigmoid run is behind every tanh run
assert relu_family_worst_accuracy == 1.0 and sigmoid_worst_accuracy < 1.0
# tanh: clearly behind the ReLU family in loss (the ranges do not overlap), close in accuracy
assert curves["tanh"][-1].min() > max(curves[n][-1].max() for n in ("ReLU", "leaky ReLU", "GELU"))
assert tanh_over_relu > 2 and tanh_worst_accuracy >= 0.99
assert relu_dead == 0.0 and 0.3 < relu_off < 0.7

# GELU starts behind tanh; from which step on is its median loss below tanh's for good?
gelu_ahead = curves["GELU"].median(dim=1).values < curves["tanh"].median(dim=1).values
gelu_passes_tanh: int = num_steps - int(gelu_ahead.flip(0).int().cumprod(0).sum())
assert 50 < gelu_passes_tanh < 150 and not gelu_ahead[0]
gelu_over_relu_150: float = (curves["GELU"][150].median() / curves["ReLU"][150].median()).item()
assert gelu_over_relu_150 < 1.2  # by step 150 GELU has (nearly) caught up with ReLU
print(f"GELU's median loss is below tanh's from step {gelu_passes_tanh} on;"
      f" at step 150 it is {gelu_over_relu_150:.2f} times ReLU's")

# %% rescaled
# In one hidden layer, sigmoid's slope cap of 1/4 acts like a smaller learning rate
# (exercise 1: a sigmoid layer moves a quarter as fast). Give sigmoid four times the step.
rescaled_lr: float = 4 * learning_rate
rescaled_curve, _z1, rescaled_accuracy, _share = train(activations["sigmoid"], rescaled_lr)
rescaled_final = rescaled_curve[-1]
sigmoid_rescaled_median_loss: float = rescaled_final.median().item()
sigmoid_rescaled_min: float = rescaled_final.min().item()
sigmoid_rescaled_max: float = rescaled_final.max().item()
rescaled_over_tanh: float = sigmoid_rescaled_median_loss / tanh_median_loss
print(f"sigmoid at learning rate {rescaled_lr}: loss {sigmoid_rescaled_median_loss:.4f}"
      f" [{sigmoid_rescaled_min:.4f}, {sigmoid_rescaled_max:.4f}]"
      f"  accuracy {rescaled_accuracy.median():.3f} [{rescaled_accuracy.min():.3f}, {rescaled_accuracy.max():.3f}]")
print(f"median loss: {rescaled_over_tanh:.2f} times tanh's at learning rate {learning_rate},"
      f" {sigmoid_median_loss / sigmoid_rescaled_median_loss:.1f} times lower than sigmoid's at {learning_rate}")
assert 0.7 < rescaled_over_tanh < 1.3  # four times the step: sigmoid matches tanh
assert sigmoid_rescaled_max < curves["sigmoid"][-1].min()  # every seed gains
assert rescaled_curve[:10].median(dim=1).values.max() > rescaled_curve[0].median()  # an overshoot first

# %% plot
fig, (ax, ax_sat) = plt.subplots(1, 2, figsize=(12, 4.5), width_ratios=[3, 2])
steps = torch.arange(num_steps).numpy()
for name in activations:
    c = curves[name]
    line, = ax.plot(steps, c.median(dim=1).values.numpy(), label=name)
    ax.fill_between(steps, c.min(dim=1).values.numpy(), c.max(dim=1).values.numpy(), color=line.get_color(), alpha=0.2)
ax.plot(steps, rescaled_curve.median(dim=1).values.numpy(), color=ax.lines[0].get_color(), linestyle="--",
        label=f"sigmoid, lr {rescaled_lr}")
ax.set_yscale("log")
ax.set_title(f"Loss: median and range over {num_seeds} seeds (m = {m}, lr {learning_rate})")
ax.set_xlabel("step (full batch)")
ax.set_ylabel("cross-entropy loss")
ax.legend()
for name, share in saturation.items():
    ax_sat.plot(steps, share, color=ax.lines[list(activations).index(name)].get_color(), label=name)
ax_sat.set_title("Share of saturated (example, unit) pairs")
ax_sat.set_xlabel("step (full batch)")
ax_sat.set_ylabel("share with phi'(z_1) < 10% of its peak")
ax_sat.legend()
fig.tight_layout()
plt.show()
