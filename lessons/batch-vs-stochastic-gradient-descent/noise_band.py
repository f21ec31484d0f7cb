"""Why SGD hovers near the minimum instead of settling, and what calms it.

New in this lesson: every run starts AT the least-squares solution, where the
full gradient is zero. Full batch stays put. SGD cannot: one example's gradient
is not zero there, so each step kicks the line away, and the pull back toward
the minimum only balances the kicks in a band above it. We run many runs side by
side (one row of w and b per run) and compare the band with the formula, for
batches drawn with replacement (the formula's assumption) and from shuffles.
"""

from collections.abc import Callable

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
learning_rate = 0.1  # the constant step size (the starting one for the decaying run)
num_epochs = 10
burn_in = 2  # epochs left out of every band: the time to climb from the minimum into it
mini_batch_size = 32
num_runs = 32  # runs side by side, each with its own shuffles or draws
seed = 42  # for the data and the starting line
shuffle_seed = (
    1  # for the batches; never the data's seed: the same random stream would tie the order to the noise
)

torch.manual_seed(seed)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N)  # (N,): flat this time, runs go along dim 0
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N)  # (N,)
features = torch.stack([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y.unsqueeze(1), driver="gels").solution.flatten().tolist()
lambda_w, lambda_b = 2 * (x**2).mean().item(), 2.0  # the curvatures of 1.2 (cross term 0)


def excess_loss(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """L - L* for each run. Exact for this bowl (1.2): half the curvature times distance^2."""
    return 0.5 * lambda_w * (w - best_w) ** 2 + 0.5 * lambda_b * (b - best_b) ** 2


optimal_loss = ((best_w * x + best_b - y) ** 2).mean().item()
probe_loss = ((0.3 * x + 0.2 - y) ** 2).mean().item()  # any other line: check the identity
assert abs(probe_loss - optimal_loss - excess_loss(torch.tensor(0.3), torch.tensor(0.2)).item()) < 1e-4


# %% train
def train_from_best(
    batch_size: int, lr_of_epoch: Callable[[int], float], with_replacement: bool
) -> torch.Tensor:
    """num_runs runs of the loop, all started at the best line; L - L* per epoch, (runs, epochs)."""
    generator = torch.Generator().manual_seed(shuffle_seed)
    w = torch.full((num_runs, 1), best_w)  # (runs, 1): one row per run
    b = torch.full((num_runs, 1), best_b)
    epoch_means = []
    for epoch in range(num_epochs):
        step_size = lr_of_epoch(epoch)
        if with_replacement:  # N independent picks: some examples twice, others never
            order = torch.randint(0, N, (num_runs, N), generator=generator)
        else:  # a shuffle: every example exactly once per epoch
            order = torch.rand(num_runs, N, generator=generator).argsort(dim=1)
        w_after, b_after = [], []  # (runs, 1) after each update of this epoch
        for start in range(0, N - batch_size + 1, batch_size):  # full batches only, as in
            # DataLoader(drop_last=True): B examples in every update, as the formula assumes
            batch = order[:, start : start + batch_size]  # (runs, B) indices
            x_batch, y_batch = x[batch], y[batch]  # (runs, B)
            error = w * x_batch + b - y_batch  # forward and residuals
            w = w - step_size * 2 * (error * x_batch).mean(dim=1, keepdim=True)  # backward + update
            b = b - step_size * 2 * error.mean(dim=1, keepdim=True)
            w_after.append(w)
            b_after.append(b)
        excess = excess_loss(torch.cat(w_after, dim=1), torch.cat(b_after, dim=1))  # (runs, updates)
        epoch_means.append(excess.mean(dim=1))
    return torch.stack(epoch_means, dim=1)  # (runs, epochs)


def constant(epoch: int) -> float:
    return learning_rate


def decaying(epoch: int) -> float:
    return learning_rate / (1 + epoch)  # 0.1, 0.05, 0.033, ... 0.01 in the last epoch


runs: dict[str, torch.Tensor] = {
    "full batch": train_from_best(N, constant, with_replacement=False),
    "SGD, shuffled": train_from_best(1, constant, with_replacement=False),
    "SGD, with replacement": train_from_best(1, constant, with_replacement=True),
    "SGD, shuffled, decaying lr": train_from_best(1, decaying, with_replacement=False),
    "SGD, with replacement, decaying lr": train_from_best(1, decaying, with_replacement=True),
    "B = 32, shuffled": train_from_best(mini_batch_size, constant, with_replacement=False),
    "B = 32, with replacement": train_from_best(mini_batch_size, constant, with_replacement=True),
}
# The band of a run: its mean L - L* after the burn-in. Then the median and range over runs.
band: dict[str, torch.Tensor] = {name: ex[:, burn_in:].mean(dim=1) for name, ex in runs.items()}
for name, heights in band.items():
    print(
        f"{name:>34} | band: median {heights.median():.2e}, range {heights.min():.2e} to {heights.max():.2e}"
    )

# %% predict
# The formula: eta * sigma^2 / (2 * B * (2 - eta * lambda)) per direction, w and b added.
error_at_best = best_w * x + best_b - y  # (N,): the residuals of the best line
per_example_grads = torch.stack([2 * error_at_best * x, 2 * error_at_best], dim=1)  # (N, 2)
assert per_example_grads.mean(dim=0).abs().max() < 1e-5  # zero on average at the minimum ...
sigma2_w, sigma2_b = per_example_grads.var(dim=0, correction=0).tolist()  # ... but not one by one


def predicted_band(step_size: float, batch_size: int) -> float:
    per_direction = [(sigma2_w, lambda_w), (sigma2_b, lambda_b)]
    return sum(step_size * s2 / (2 * batch_size * (2 - step_size * lam)) for s2, lam in per_direction)


predicted_sgd = predicted_band(learning_rate, 1)
predicted_mini = predicted_band(learning_rate, mini_batch_size)
sgd_with = band["SGD, with replacement"].median().item()
sgd_shuffled = band["SGD, shuffled"].median().item()
mini_with = band["B = 32, with replacement"].median().item()
mini_shuffled = band["B = 32, shuffled"].median().item()
sgd_band_min, sgd_band_max = band["SGD, shuffled"].min().item(), band["SGD, shuffled"].max().item()
relative_band_percent = 100 * sgd_shuffled / optimal_loss  # the band as a share of the best loss
ratio_with, ratio_shuffled = sgd_with / mini_with, sgd_shuffled / mini_shuffled
mini_shuffled_vs_formula = mini_shuffled / predicted_mini
print(f"sigma^2 at the minimum: w {sigma2_w:.4f} | b {sigma2_b:.4f}")
print(
    f"B =  1: predicted {predicted_sgd:.2e} | with replacement {sgd_with:.2e} | shuffled {sgd_shuffled:.2e}"
)
print(
    f"B = 32: predicted {predicted_mini:.2e} | with replacement {mini_with:.2e} | shuffled {mini_shuffled:.2e}"
)
print(f"band(B = 1) / band(B = 32): with replacement {ratio_with:.0f} | shuffled {ratio_shuffled:.0f}")

assert runs["full batch"].abs().max() < 1e-10  # the full gradient is zero here: no motion
assert (band["SGD, shuffled"] > 0).all()  # every SGD run hovers above the minimum ...
early = runs["SGD, shuffled"][:, burn_in:6].mean(dim=1)  # epochs 3-6 against 7-10
late = runs["SGD, shuffled"][:, 6:].mean(dim=1)
band_late_vs_early = (late / early).median().item()
assert 0.8 < band_late_vs_early < 1.25  # ... and the band does not shrink with time
assert abs(sgd_with / predicted_sgd - 1) < 0.1  # the formula, under its own assumption
assert abs(mini_with / predicted_mini - 1) < 0.1
assert abs(sgd_shuffled / predicted_sgd - 1) < 0.1  # 1,000 updates per epoch: no difference
assert mini_shuffled_vs_formula < 0.85  # 32 per epoch: the kicks cancel, the band is lower
assert (band["B = 32, shuffled"] < predicted_mini).all()  # in every run, not by chance
assert 28 < ratio_with < 36 and ratio_shuffled > 38  # about 32 only under the formula's assumption
decay_shrink = (
    band["SGD, shuffled"].median() / runs["SGD, shuffled, decaying lr"][:, -1].median()
).item()  # the decaying run's band is still falling: compare its last epoch
last_lr = decaying(num_epochs - 1)
lr_drop = learning_rate / last_lr  # 10x
predicted_decay_shrink = predicted_sgd / predicted_band(last_lr, 1)  # a bit over 10: 2 - eta*lambda grows
decay_shrink_with = (
    band["SGD, with replacement"].median() / runs["SGD, with replacement, decaying lr"][:, -1].median()
).item()
memory_short, memory_long = 1 / (last_lr * lambda_b), 1 / (last_lr * lambda_w)  # updates, at eta 0.01
mini_updates_per_epoch = N // mini_batch_size  # 31: the short last batch is dropped
print(
    f"decaying lr, eta {lr_drop:.0f}x lower in epoch {num_epochs}: the band is {predicted_decay_shrink:.1f}x lower"
    f" by the formula, {decay_shrink_with:.1f}x with replacement, {decay_shrink:.1f}x shuffled"
)
assert abs(decay_shrink_with / predicted_decay_shrink - 1) < 0.15  # the formula, with its own assumption
assert decay_shrink > 1.2 * decay_shrink_with  # shuffling lowers it further: memory not << 1,000
# The 8% between the formula's shrink and the measured one, with replacement: at eta 0.1 the
# band sits above the formula (the per-example cross terms of exercise 1, which grow with eta);
# at eta 0.01 the last epoch's median is on the formula, within the scatter of the runs.
sgd_with_excess = sgd_with / predicted_sgd - 1
last_with = runs["SGD, with replacement, decaying lr"][:, -1]
last_with_vs_formula = last_with.median().item() / predicted_band(last_lr, 1) - 1
last_with_min = last_with.min().item() / predicted_band(last_lr, 1)
last_with_max = last_with.max().item() / predicted_band(last_lr, 1)
decay_gap = decay_shrink_with / predicted_decay_shrink - 1
print(
    f"with replacement: band at eta 0.1 {sgd_with_excess:+.1%} against the formula, last epoch at eta 0.01"
    f" {last_with_vs_formula:+.1%} (runs {last_with_min:.2f}x to {last_with_max:.2f}x)"
)
assert abs((1 + sgd_with_excess) / (1 + last_with_vs_formula) - 1 - decay_gap) < 1e-6  # the whole gap
assert sgd_with_excess > 0.03 and -0.05 < last_with_vs_formula < 0  # ... is mostly the eta-0.1 excess
last_with_below = -last_with_vs_formula
# Exercise 1 measures the eta-0.1 excess with other runs (20, after epoch 1): a point or two
# apart from this one is scatter, since one run's band alone spreads this widely around the formula.
sgd_with_min = (band["SGD, with replacement"].min() / predicted_sgd).item()
sgd_with_max = (band["SGD, with replacement"].max() / predicted_sgd).item()
assert sgd_with_max - sgd_with_min > 0.1
assert last_with_min < 1 - 3 * abs(last_with_vs_formula) and last_with_max > 1 + 3 * abs(last_with_vs_formula)

# %% plot_band
fig, ax = plt.subplots()
epochs = torch.arange(1, num_epochs + 1)
for name in ["SGD, shuffled", "SGD, shuffled, decaying lr", "B = 32, with replacement", "B = 32, shuffled"]:
    per_epoch = runs[name]
    line = ax.plot(epochs, per_epoch.median(dim=0).values, "o-", label=f"{name} (median)")
    color = line[0].get_color()
    ax.fill_between(epochs, per_epoch.min(dim=0).values, per_epoch.max(dim=0).values, color=color, alpha=0.15)
ax.axhline(predicted_sgd, color="black", linestyle="--", label="formula, B = 1")
ax.axhline(predicted_mini, color="gray", linestyle="--", label="formula, B = 32")
ax.set_yscale("log")
ax.set_ylim(5e-6, 1e-1)  # room for the legend above the curves
ax.set_title(f"Started at the minimum: {num_runs} runs each, shaded = range")
ax.set_xlabel("epoch")
ax.set_ylabel("mean loss above the best in the epoch (log)")
ax.legend(fontsize=8, loc="upper right", ncol=2)
plt.show()
