"""One loop, many learning rates: why 0.01 crawls and 1.0 bounces.

New in this lesson: we record w and b after every epoch, compare them with the best
line for this data, measure the curvature of the loss, and check that one step
multiplies the distance to the best line by 1 - learning_rate * curvature.
"""

import itertools
import math

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as linear_regression.py)
true_w: float = 2.0
true_b: float = -1.0
noise_std: float = 0.1
N: int = 100
learning_rates: list[float] = [0.01, 0.1, 0.5, 1.0, 1.05]  # the only thing this lesson varies
num_epochs: int = 50
target_fraction: float = 0.01  # "arrived" = within 1% of the starting distance
sweep_rates: list[float] = [round(0.01 * k, 2) for k in range(1, 111)]  # 0.01, 0.02, ..., 1.10

torch.manual_seed(42)
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w: torch.Tensor = torch.randn(1)  # drawn in the same order as in linear_regression.py,
start_b: torch.Tensor = torch.randn(1)  # so every run starts from the same line

# The best line for this data (least squares on the columns [x, 1]; exercise 3 derives it).
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
features: torch.Tensor = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()


def mse(w: float, b: float) -> float:
    """The loss of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


best_loss: float = mse(best_w, best_b)  # no line does better
start_w_gap: float = best_w - start_w.item()  # how far the start is from the best slope
print(f"best line: w* = {best_w:.4f}, b* = {best_b:.4f}, loss {best_loss:.4f}")


# %% train
def train(learning_rate: float, epochs: int = num_epochs) -> tuple[list[float], list[float]]:
    """The loop of linear_regression.py; return w and b after every epoch, start included."""
    w, b = start_w.clone(), start_b.clone()
    w_path: list[float] = [w.item()]
    b_path: list[float] = [b.item()]
    for _ in range(epochs):
        error = w * x + b - y  # forward pass and residuals
        w -= learning_rate * 2 * (error * x).mean()  # backward and update, as before
        b -= learning_rate * 2 * error.mean()
        w_path.append(w.item())
        b_path.append(b.item())
    return w_path, b_path


runs: dict[float, tuple[list[float], list[float]]] = {lr: train(lr) for lr in learning_rates}
for lr, (w_path, b_path) in runs.items():
    print(f"lr {lr:4.2f} | w {w_path[-1]:7.4f} | b {b_path[-1]:8.4f}")

# %% plot_paths
epochs = range(num_epochs + 1)
colors: dict[float, str] = {
    0.01: "tab:blue",
    0.1: "tab:orange",
    0.5: "tab:green",
    1.0: "tab:red",
    1.05: "tab:purple",
}
fig, (ax_w, ax_b) = plt.subplots(1, 2, figsize=(10, 4))
for lr, (w_path, b_path) in runs.items():
    ax_w.plot(epochs, w_path, color=colors[lr], label=f"lr = {lr}")
    if lr < 1.05:  # b at 1.05 diverges: it would cover the whole panel
        style = "o:" if lr == 1.0 else "-"  # dots, so the two values 1.0 jumps between stand out
        ax_b.plot(epochs, b_path, style, markersize=3, color=colors[lr], label=f"lr = {lr}")
ax_w.axhline(best_w, color="black", linestyle="--", label="best w*")
ax_b.axhline(best_b, color="black", linestyle="--", label="best b*")
ax_w.set_title("Slope w during training")
ax_b.set_title("Intercept b during training")
for ax, name in [(ax_w, "w"), (ax_b, "b")]:
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
ax_w.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %% plot_lines
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, epoch in zip(axes, [49, 50], strict=True):
    ax.scatter(x.numpy(), y.numpy(), s=8, color="lightgray")
    for lr in [0.01, 0.1, 1.0]:
        w_path, b_path = runs[lr]
        ax.plot(x.numpy(), (w_path[epoch] * x + b_path[epoch]).numpy(), color=colors[lr], label=f"lr = {lr}")
    ax.plot(x.numpy(), (best_w * x + best_b).numpy(), "k--", linewidth=1, label="best line")
    ax.set_title(f"Fitted lines after {epoch} epochs")
    ax.set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% plot_contour
w_grid, b_grid = torch.meshgrid(torch.linspace(-1, 3, 200), torch.linspace(-2, 0, 200), indexing="ij")
# loss of every (w, b) on the grid at once: (200, 200, 1) against the (N,) data
loss_grid = ((w_grid[..., None] * x.flatten() + b_grid[..., None] - y.flatten()) ** 2).mean(dim=-1)
edge_w_path, edge_b_path = runs[1.0]
fig, ax = plt.subplots(figsize=(7, 4.5))
contours = ax.contour(
    w_grid.numpy(), b_grid.numpy(), loss_grid.numpy(), levels=[0.05, 0.1, 0.2, 0.5, 1, 2, 4]
)
ax.clabel(contours, fontsize="small")
ax.plot(
    edge_w_path,
    edge_b_path,
    "o-",
    color="tab:red",
    markersize=4,
    linewidth=0.8,
    label="lr = 1.0, epoch by epoch",
)
ax.plot(edge_w_path[0], edge_b_path[0], "s", color="black", label="start")
ax.plot(best_w, best_b, "*", color="black", markersize=14, label="best (w*, b*)")
ax.set_title("Loss over (w, b) and the path of lr = 1.0")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="lower left")
plt.show()

# %% curvature
mean_x2: float = (x**2).mean().item()  # the average of x_i^2, a fact about the data
lambda_w: float = 2 * mean_x2  # curvature along w: d2L/dw2
lambda_b: float = 2.0  # curvature along b: d2L/db2 = 2 whatever the data
cross_term: float = 2 * x.mean().item()  # d2L/dw db


def loss_of(params: torch.Tensor) -> torch.Tensor:
    """The loss as a function of params = [w, b]."""
    return ((params[0] * x + params[1] - y) ** 2).mean()


hessian = torch.autograd.functional.hessian(loss_of, torch.tensor([best_w, best_b]))
assert isinstance(hessian, torch.Tensor)  # one input tensor in, one 2x2 matrix out
torch.testing.assert_close(hessian, torch.tensor([[lambda_w, cross_term], [cross_term, lambda_b]]))
print(f"mean(x^2) = {mean_x2:.4f}, lambda_w = {lambda_w:.4f}, lambda_b = {lambda_b}")
# + 0.0 turns a rounded -0.0 (a tiny negative rounding error) into 0.0
print("Hessian from autograd:", [[round(value, 4) + 0.0 for value in row] for row in hessian.tolist()])

# %% curvature_checks
limit_w: float = 2 / lambda_w  # the stability limit for w ...
limit_b: float = 2 / lambda_b  # ... and for b
curvature_ratio: float = lambda_b / lambda_w
edge_factor_w: float = 1 - 1.0 * lambda_w  # w's factor at lr 1.0: well inside (-1, 1)
assert 0 < edge_factor_w < 0.35
assert abs(cross_term) < 1e-6  # x is symmetric around 0: w and b move independently
assert 0.68 < lambda_w < 0.69 and 2.9 < limit_w < 3.0 and limit_b == 1.0

# %% factors
print("  lr | 1 - lr*lambda_w  measured | 1 - lr*lambda_b  measured")
for lr, (w_path, b_path) in runs.items():
    factor_w, factor_b = 1 - lr * lambda_w, 1 - lr * lambda_b
    measured_w = (w_path[1] - best_w) / (w_path[0] - best_w)  # distance after one step / before
    measured_b = (b_path[1] - best_b) / (b_path[0] - best_b)
    print(f"{lr:4.2f} | {factor_w:15.4f} {measured_w:9.4f} | {factor_b:15.4f} {measured_b:9.4f}")
    assert abs(measured_w - factor_w) < 1e-4 and abs(measured_b - factor_b) < 1e-4

# %% factors_hold
# The factor is the same at every step, so after t steps the distance is factor**t times the start.
for lr, (w_path, b_path) in runs.items():
    for t in [10, 50]:
        torch.testing.assert_close(
            (w_path[t] - best_w) / (w_path[0] - best_w), (1 - lr * lambda_w) ** t, rtol=2e-3, atol=1e-6
        )
        torch.testing.assert_close(
            (b_path[t] - best_b) / (b_path[0] - best_b), (1 - lr * lambda_b) ** t, rtol=2e-3, atol=1e-6
        )

# %% paths_checks
# How many epochs each rate needs to bring w within 1% of its starting distance: the first t
# with |1 - lr * lambda_w| ** t <= 1%, checked against the recorded paths.
epochs_to_1pct_w: dict[float, int] = {}
for lr in learning_rates:
    w_path = runs[lr][0]
    factor = abs(1 - lr * lambda_w)
    predicted = math.ceil(math.log(target_fraction) / math.log(factor))
    measured = next(
        (t for t, w in enumerate(w_path) if abs(w - best_w) <= target_fraction * abs(start_w_gap)), None
    )
    if predicted <= num_epochs:
        assert measured is not None and abs(measured - predicted) <= 1
    else:
        assert measured is None  # not there within the run
    epochs_to_1pct_w[lr] = predicted
half_factor_w: float = 1 - 0.5 * lambda_w  # w's factor at lr 0.5
half_epochs_w: int = epochs_to_1pct_w[0.5]
fast_epochs_w: int = max(epochs_to_1pct_w[1.0], epochs_to_1pct_w[1.05])
assert 10 <= half_epochs_w <= 12 and fast_epochs_w <= 5
assert epochs_to_1pct_w[0.1] > num_epochs and epochs_to_1pct_w[0.01] > num_epochs

# %% too_small
slow_factor_w: float = 1 - 0.01 * lambda_w
# (1 - 0.01 * lambda_w) ** t = 1%  =>  t = log(0.01) / log(1 - 0.01 * lambda_w)
epochs_needed: int = math.ceil(math.log(target_fraction) / math.log(slow_factor_w))
long_w_path = train(0.01, epochs=2 * epochs_needed)[0]  # now run that long and look
epochs_measured: int = next(
    t for t, w in enumerate(long_w_path) if abs(w - best_w) <= target_fraction * abs(start_w_gap)
)
print(f"lr 0.01: 1% is left after {epochs_needed} epochs (predicted), {epochs_measured} (measured)")

# %% too_small_checks
slow_shrink_percent: float = 100 * (1 - slow_factor_w)  # share of w's distance removed per epoch
slow_w_path = runs[0.01][0]
slow_left_after_run: float = (slow_w_path[-1] - best_w) / (slow_w_path[0] - best_w)
slow_loss_ratio: float = mse(slow_w_path[-1], runs[0.01][1][-1]) / mse(runs[0.1][0][-1], runs[0.1][1][-1])
assert all(later > earlier for earlier, later in itertools.pairwise(slow_w_path))  # climbs every epoch
assert 0.70 < slow_left_after_run < 0.72 and slow_loss_ratio > 50
assert abs(epochs_measured - epochs_needed) <= 1 and 670 < epochs_needed < 680

# %% start_independence
# The factors depend only on the x_i, not on the noise or the random start: over 20 seeds,
# lr 0.01 leaves the same fraction of w's distance after 50 epochs.
fractions_over_seeds: list[float] = []
generator = torch.Generator().manual_seed(0)
for _ in range(20):
    y_s = true_w * x + true_b + noise_std * torch.randn(N, 1, generator=generator)
    w_s, b_s = torch.randn(1, generator=generator), torch.randn(1, generator=generator)
    best_w_s = torch.linalg.lstsq(features, y_s, driver="gels").solution[0].item()
    start_gap_s = w_s.item() - best_w_s
    for _ in range(num_epochs):
        error_s = w_s * x + b_s - y_s
        w_s = w_s - 0.01 * 2 * (error_s * x).mean()
        b_s = b_s - 0.01 * 2 * error_s.mean()
    fractions_over_seeds.append((w_s.item() - best_w_s) / start_gap_s)
assert max(fractions_over_seeds) - min(fractions_over_seeds) < 1e-3
torch.testing.assert_close(fractions_over_seeds[0], slow_left_after_run, rtol=1e-3, atol=0)

# %% sweep
left_w: list[float] = []  # fraction of the starting distance left after 50 epochs, per rate
left_b: list[float] = []
for lr in sweep_rates:
    w_path, b_path = train(lr)
    left_w.append(abs(w_path[-1] - best_w) / abs(w_path[0] - best_w))
    left_b.append(abs(b_path[-1] - best_b) / abs(b_path[0] - best_b))
working: list[float] = [
    lr for lr, lw, lb in zip(sweep_rates, left_w, left_b, strict=True) if max(lw, lb) <= target_fraction
]
working_min: float = min(working)
working_max: float = max(working)
print(f"both w and b within 1% after {num_epochs} epochs for lr {working_min} to {working_max}")
assert working == [lr for lr in sweep_rates if working_min <= lr <= working_max]  # one unbroken range
# the edges the factors predict: |1 - lr * lambda| ** 50 <= 1% for both directions
per_epoch: float = target_fraction ** (1 / num_epochs)
assert math.isclose(working_min, math.ceil(100 * (1 - per_epoch) / lambda_w) / 100)
assert math.isclose(working_max, math.floor(100 * (1 + per_epoch) / lambda_b) / 100)
assert 0.01 not in working and 1.0 not in working and 0.1 not in working
good_left_after_run: float = left_w[sweep_rates.index(0.1)]  # lr 0.1 leaves this much of w's distance
assert 0.02 < good_left_after_run < 0.04

# %% plot_sweep
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(sweep_rates, left_w, label="w: |w - w*| left / at start")
ax.plot(sweep_rates, left_b, label="b: |b - b*| left / at start")
ax.axhline(target_fraction, color="gray", linestyle="--", label="1% of the starting distance")
ax.axvspan(working_min, working_max, color="tab:green", alpha=0.15, label="both below 1%")
ax.set_yscale("log")
ax.set_ylim(1e-5, 1e3)  # far below 1%, float32 rounding takes over
ax.set_title(f"Distance left after {num_epochs} epochs, by learning rate")
ax.set_xlabel("learning rate")
ax.set_ylabel("fraction of starting distance (log)")
ax.legend(fontsize="small")
plt.show()

# %% too_large
edge_w, edge_b = runs[1.0]
edge_offset: float = abs(edge_b[0] - best_b)  # |e_0|: how far b starts from b*
edge_loss: float = mse(edge_w[-1], edge_b[-1])
print("lr 1.00, last six values of b:", " ".join(f"{value:.4f}" for value in edge_b[-6:]))
print(f"b* + |e_0| = {best_b + edge_offset:.4f} | b* - |e_0| = {best_b - edge_offset:.4f}")
print(f"loss {edge_loss:.4f} | best loss + e_0^2 = {best_loss + edge_offset**2:.4f}")
assert abs(edge_w[-1] - best_w) < 1e-4  # the slope has converged
for epoch, b_value in enumerate(edge_b):
    # b - b* flips sign every epoch and keeps its size: e_0, -e_0, e_0, ... forever
    torch.testing.assert_close(b_value - best_b, (-1) ** epoch * (edge_b[0] - best_b), rtol=0, atol=1e-4)
# all of the excess loss comes from the shifted intercept: loss = best loss + e_0 ** 2
torch.testing.assert_close(edge_loss, best_loss + edge_offset**2, rtol=1e-4, atol=0)
over_w, over_b = runs[1.05]
over_b_gap: float = abs(over_b[-1] - best_b)
over_growth: float = abs(1 - 1.05 * lambda_b) ** num_epochs  # 1.1 ** 50
assert abs(over_w[-1] - best_w) < 1e-4 and over_b_gap > 40  # w is fine, b has diverged
