"""Why the weights start random: a beginner's zero start, a constant start, and the fix.

New in this lesson: symmetry. Hidden units that start identical get identical gradients
and stay identical, so a network of m units trains like a network of one.
"""

import statistics

import matplotlib.pyplot as plt
import torch

from net import Params, accuracy, forward, init_params, m, train, x, y

# Hyperparameters
learning_rate = 2.0  # as in train.py
num_epochs = 500  # as in train.py
num_seeds = 25  # random starts for the success study

torch.manual_seed(0)


def distinct_units(params: Params) -> int:
    """How many different hidden units there are: unit j is row j of W1, b1[j] and W2[0, j]."""
    units = torch.cat([params["W1"], params["b1"][:, None], params["W2"].T], dim=1)  # (m, 4)
    return torch.unique(units, dim=0).shape[0]


# %% zeros
# A beginner's start: every parameter zero.
zeros: Params = {name: torch.zeros_like(p) for name, p in init_params(m).items()}
train(zeros, learning_rate, num_epochs)
zeros_accuracy: float = accuracy(forward(x, zeros)[2], y)
largest_entry = max(p.abs().max().item() for p in zeros.values())
print(f"largest |entry| of any parameter after training: {largest_entry}")
print(f"distinct hidden units {distinct_units(zeros)} | accuracy {zeros_accuracy:.3f}")
assert all(p.abs().max() < 1e-6 for p in zeros.values()) and zeros_accuracy == 0.5

# %% constant
# Not zero, but the same for every unit: 0.5 in every weight, biases 0.
constant: Params = {name: torch.full_like(p, 0.5 if name.startswith("W") else 0.0) for name, p in init_params(m).items()}
train(constant, learning_rate, num_epochs)
constant_accuracy: float = accuracy(forward(x, constant)[2], y)
print(f"W1 rows 0 and 1 after training: {[[round(v, 4) for v in row] for row in constant['W1'][:2].tolist()]}")
print(f"distinct hidden units {distinct_units(constant)} | accuracy {constant_accuracy:.3f}")
constant_moved: float = (constant["W1"] - 0.5).abs().max().item()  # the weights did train ...
assert constant_moved > 0.5 and distinct_units(constant) == 1  # ... all in lockstep

# %% random
# The fix: random weights, scaled by 1 / sqrt(fan-in), as init_params draws them.
torch.manual_seed(0)
fixed: Params = init_params(m)
train(fixed, learning_rate, num_epochs)
fixed_accuracy: float = accuracy(forward(x, fixed)[2], y)
print(f"distinct hidden units {distinct_units(fixed)} | accuracy {fixed_accuracy:.3f}")
assert distinct_units(fixed) == m and fixed_accuracy > constant_accuracy + 0.05

# %% seeds
# One random start is one draw: train from num_seeds of them and look at the spread.
final_accuracies: list[float] = []
for seed in range(num_seeds):
    torch.manual_seed(seed)
    params = init_params(m)
    train(params, learning_rate, num_epochs)
    final_accuracies.append(accuracy(forward(x, params)[2], y))
median_accuracy = statistics.median(final_accuracies)
min_accuracy, max_accuracy = min(final_accuracies), max(final_accuracies)
print(f"{num_seeds} random starts: final accuracy median {median_accuracy:.3f}, range {min_accuracy:.3f} to {max_accuracy:.3f}")
assert median_accuracy >= 0.985 and min_accuracy > constant_accuracy + 0.05

# %% plot
g1, g2 = torch.meshgrid(torch.linspace(-2, 2, 161), torch.linspace(-1.5, 1.5, 121), indexing="xy")
grid: torch.Tensor = torch.stack([g1.flatten(), g2.flatten()], dim=1)  # (161 * 121, 2)
fig, axes = plt.subplots(1, 4, figsize=(15, 4))
starts = {"all zeros": zeros, "all weights 0.5": constant, "random, scaled": fixed}
for ax, (title, params) in zip(axes[:3], starts.items(), strict=True):
    p_grid = torch.sigmoid(forward(grid, params)[2]).reshape(g1.shape)
    ax.contourf(g1, g2, p_grid, levels=torch.linspace(0, 1, 11).tolist(), cmap="RdBu_r", alpha=0.6)
    if p_grid.min() < 0.5 < p_grid.max():  # the all-zeros network has no boundary to draw
        ax.contour(g1, g2, p_grid, levels=[0.5], colors="black", linewidths=1.5)
    for label, color in ((0, "tab:blue"), (1, "tab:red")):
        points = x[y[:, 0] == label]
        ax.scatter(points[:, 0], points[:, 1], color=color, edgecolors="white", linewidths=0.5, s=12)
    acc = accuracy(forward(x, params)[2], y)
    ax.set_title(f"{title}\n{distinct_units(params)} distinct hidden unit(s), {acc:.1%} correct")
    ax.set_xlabel("input 1")
axes[0].set_ylabel("input 2")
spread = torch.linspace(-0.15, 0.15, num_seeds)  # spread the seeds sideways to see them all
axes[3].scatter(spread.tolist(), final_accuracies, s=14, label=f"random, {num_seeds} seeds")
axes[3].scatter([1, 2], [constant_accuracy, zeros_accuracy], color="black", marker="x", s=40, label="constant starts")
axes[3].set_xticks([0, 1, 2], ["random", "all 0.5", "all zeros"])
axes[3].set_ylim(0.45, 1.02)
axes[3].set_title(f"Final accuracy after {num_epochs} epochs\nby starting point")
axes[3].set_ylabel("fraction correct")
axes[3].legend(loc="center right", fontsize=8)
fig.tight_layout()
plt.show()
