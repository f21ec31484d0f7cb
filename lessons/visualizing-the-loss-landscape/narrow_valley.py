"""A narrow valley: the same line, inputs on [0, 5] instead of [-1, 1].

New in this lesson: moving the inputs tilts and squeezes the bowl. We measure the
condition number kappa = lambda_max / lambda_min of both bowls and run gradient
descent on each at its best fixed learning rate.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters and data settings
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
input_ranges = {"x in [-1, 1]": (-1.0, 1.0), "x in [0, 5]": (0.0, 5.0)}  # what this lesson varies
start = torch.tensor([0.0, 3.0], dtype=torch.float64)  # (w, b): off the valley floor, far from the minimum
tolerance = 1e-6  # "converged" = loss within this of the minimum
max_steps = 1000

torch.manual_seed(42)

# %% data
noise = noise_std * torch.randn(N, 1)  # (N, 1), the same noise for both data sets
datasets: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
for name, (low, high) in input_ranges.items():
    x = torch.linspace(low, high, N).unsqueeze(1)  # (N, 1)
    y = true_w * x + true_b + noise
    datasets[name] = (x.double(), y.double())  # float64: "within 1e-6" is decided by the math


def hessian_of(x: torch.Tensor) -> torch.Tensor:
    """H = 2 [[mean(x^2), mean(x)], [mean(x), 1]], the Hessian of the MSE (same everywhere)."""
    return 2 * torch.tensor([[(x**2).mean(), x.mean()], [x.mean(), 1.0]], dtype=torch.float64)


# %% conditioning
eigen: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # eigenvalues (ascending), eigenvectors
kappa: dict[str, float] = {}
best_rate: dict[str, float] = {}
for name, (x, _) in datasets.items():
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian_of(x))
    eigen[name] = (eigenvalues, eigenvectors)
    lambda_min, lambda_max = eigenvalues.tolist()
    kappa[name] = lambda_max / lambda_min
    best_rate[name] = 2 / (lambda_min + lambda_max)
    print(f"{name} | lambda_min {lambda_min:.4f} | lambda_max {lambda_max:7.4f}"
          f" | kappa {kappa[name]:5.2f} | edge 2/lambda_max {2 / lambda_max:.4f}"
          f" | best rate {best_rate[name]:.4f}")
kappa_aligned, kappa_narrow = kappa["x in [-1, 1]"], kappa["x in [0, 5]"]
lambda_min_narrow, lambda_max_narrow = eigen["x in [0, 5]"][0].tolist()
edge_narrow = 2 / lambda_max_narrow
lr_narrow = best_rate["x in [0, 5]"]
flat_direction, steep_direction = eigen["x in [0, 5]"][1].T  # (2,) each
flat_direction = flat_direction * flat_direction[0].sign()  # an eigenvector's sign is arbitrary: pick w > 0
valley_trade = (-flat_direction[1] / flat_direction[0]).item()  # lower b by this per unit of w
print(f"flat eigenvector of x in [0, 5]: ({flat_direction[0]:.3f}, {flat_direction[1]:.3f}):"
      f" raise w by 1, lower b by {valley_trade:.2f}")
assert kappa_narrow > 10 * kappa_aligned
assert 0.95 * edge_narrow < lr_narrow < edge_narrow  # the best rate sits just below the edge


# %% descend
def descend(x: torch.Tensor, y: torch.Tensor, learning_rate: float) -> tuple[torch.Tensor, list[float], torch.Tensor]:
    """Gradient descent from `start` until the loss is within tolerance of the minimum.

    Returns the path of (w, b), the loss above the minimum at each step, and the minimum.
    """
    features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
    # driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
    # so its last digits could change from one run to the next (pytorch#187411)
    best = torch.linalg.lstsq(features, y, driver="gels").solution.flatten()  # (2,): (w*, b*)
    min_loss = ((features @ best - y.flatten()) ** 2).mean().item()
    w, b = start.tolist()
    path: list[tuple[float, float]] = [(w, b)]
    excess_losses: list[float] = []
    for _ in range(max_steps):
        # forward
        error = w * x + b - y
        # loss
        excess_losses.append((error**2).mean().item() - min_loss)
        if excess_losses[-1] < tolerance:  # the stopping rule: L - L* < tolerance
            break
        # backward
        grad_w = 2 * (error * x).mean().item()
        grad_b = 2 * error.mean().item()
        # update
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
        path.append((w, b))
    return torch.tensor(path), excess_losses, best


runs = {name: descend(x, y, best_rate[name]) for name, (x, y) in datasets.items()}
steps_aligned = len(runs["x in [-1, 1]"][1]) - 1
steps_narrow = len(runs["x in [0, 5]"][1]) - 1
step_ratio = steps_narrow / steps_aligned
# The math: each step multiplies the offset by (kappa - 1) / (kappa + 1), the excess loss by its square.
rate_aligned = (kappa_aligned - 1) / (kappa_aligned + 1)
rate_narrow = (kappa_narrow - 1) / (kappa_narrow + 1)
for name, rate in [("x in [-1, 1]", rate_aligned), ("x in [0, 5]", rate_narrow)]:
    excess = torch.tensor(runs[name][1])
    torch.testing.assert_close(excess[1:] / excess[:-1], torch.full_like(excess[1:], rate**2), rtol=1e-2, atol=0)
print(f"steps until L - L* < {tolerance:g}: {steps_aligned} (x in [-1, 1]) vs {steps_narrow} (x in [0, 5])")
print(f"per-step factor (kappa - 1) / (kappa + 1): {rate_aligned:.3f} vs {rate_narrow:.3f}")
assert step_ratio > 10

# %% valley_path
x, y = datasets["x in [0, 5]"]
path, best = runs["x in [0, 5]"][0], runs["x in [0, 5]"][2]
w_grid, b_grid = torch.meshgrid(torch.linspace(-2.0, 6.0, 201, dtype=torch.float64),
                                torch.linspace(-4.5, 4.5, 201, dtype=torch.float64), indexing="xy")
loss_grid = ((w_grid.unsqueeze(-1) * x.flatten() + b_grid.unsqueeze(-1) - y.flatten()) ** 2).mean(-1)
levels = np.geomspace(0.05, 200, 12)
fig, ax = plt.subplots()
ax.contour(w_grid.numpy(), b_grid.numpy(), loss_grid.numpy(), levels=levels, colors="lightgray")
ax.plot(path[:, 0], path[:, 1], "o-", color="tab:blue", markersize=2, linewidth=0.8,
        label=f"gradient descent, lr {lr_narrow:.3f}")
# Both eigenvectors as arrows from the minimum to the same contour, as in landscape.py;
# the flat one with the sign printed above (w up, b down).
min_loss = ((x * best[0] + best[1] - y) ** 2).mean().item()
arrow_level = float(levels[5])
arrow_lengths: list[float] = []
for direction, lam, color, name in [(flat_direction, lambda_min_narrow, "tab:orange", "flat"),
                                    (steep_direction * steep_direction[0].sign(), lambda_max_narrow,
                                     "tab:red", "steep")]:
    s = (2 * (arrow_level - min_loss) / lam) ** 0.5  # along v the loss rises by lambda s^2 / 2
    tip = best + s * direction
    arrow_lengths.append(s)
    torch.testing.assert_close(((tip[0] * x + tip[1] - y) ** 2).mean().item(), arrow_level)  # on it
    ax.annotate("", xy=tuple(tip.tolist()), xytext=tuple(best.tolist()),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 2})
    ax.plot([], [], color=color, label=f"{name} eigenvector")
torch.testing.assert_close(arrow_lengths[0] / arrow_lengths[1], kappa_narrow**0.5)
ax.plot(*start.tolist(), "ks", label="start")
ax.plot(*best.tolist(), "k*", markersize=12, label="minimum")
ax.set_aspect("equal")
ax.set_title("x in [0, 5]: a zig-zag across a narrow valley")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="lower left", fontsize=7, handlelength=1.5)  # the empty corner, away from the zig-zag
plt.show()

# Split every offset from the minimum along the two eigenvectors.
steep_parts = (path - best) @ steep_direction  # across the valley
flat_parts = (path - best) @ flat_direction  # along the valley
assert all(steep_parts[1:] * steep_parts[:-1] < 0)  # flips sign on every step ...
assert all(steep_parts[1:].abs() < steep_parts[:-1].abs())  # ... while shrinking: the zig-zag
assert all(flat_parts[1:].abs() < flat_parts[:-1].abs())  # creeps towards the minimum ...
assert all(flat_parts[1:] * flat_parts[:-1] > 0)  # ... from one side, never crossing it
print(f"across the valley the offset flipped sign on each of the {len(path) - 1} steps;")
print("along the valley it shrank at every step without changing sign")

# %% loss_curves
fig, ax = plt.subplots()
for name, (_, excess_losses, _) in runs.items():
    ax.semilogy(excess_losses, label=f"{name}, kappa = {kappa[name]:.1f}")
ax.axhline(tolerance, color="black", linestyle="--", label="tolerance")
ax.set_title("Loss above the minimum, each at its best fixed learning rate")
ax.set_xlabel("step")
ax.set_ylabel("L - L* (log scale)")
ax.legend()
plt.show()
