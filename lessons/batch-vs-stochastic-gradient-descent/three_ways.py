"""Full-batch, mini-batch and stochastic gradient descent on the same line fit.

New in this lesson: the loop from 1.2 gets an inner loop over batches. The only
thing that differs between the three runs is the batch size, how many examples
feed each update: all 1,000 (full batch), 32 (mini-batch) or 1 (SGD).
"""

import itertools
import math
import statistics

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings
true_w = 2.0  # slope of the line that generates the data (as in 1.2)
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 1000  # number of data points (1.2 used 100)
learning_rate = 0.1  # the same constant step size for every run
num_epochs = 10  # passes over the data; every run gets the same number
mini_batch_size = 32
batch_sizes: dict[str, int] = {"full batch": N, "mini-batch": mini_batch_size, "SGD": 1}
num_shuffles = 100  # repeats with other shuffles, for every claim about a random run
compare_after = 10  # updates: full batch has made 10 after its 10 epochs
seed = 42  # for the data and the starting line
shuffle_seed = (
    1  # for the batches; never the data's seed: the same random stream would tie the order to the noise
)

torch.manual_seed(seed)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1), evenly spaced in [-1, 1]
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1), torch.randn(1)  # every run starts from this line

# The best loss any line can reach on this data: least squares on the columns [x, 1].
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()


@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


optimal_loss = mse(torch.tensor(best_w), torch.tensor(best_b))
print(f"start loss {mse(start_w, start_b):.4f} | best possible loss {optimal_loss:.5f}")


# %% train
def train(
    batch_size: int, shuffle_seed: int, max_updates: int, step_size: float = learning_rate
) -> tuple[list[float], list[int]]:
    """Run the loop; return the full-data loss and the examples seen after every update."""
    shuffle_generator = torch.Generator().manual_seed(shuffle_seed)
    w, b = start_w.clone(), start_b.clone()
    losses, examples_seen = [mse(w, b)], [0]  # index k = after k updates
    while True:  # one epoch per pass
        order = torch.randperm(N, generator=shuffle_generator)  # a fresh shuffle each epoch
        for start in range(0, N, batch_size):
            batch = order[start : start + batch_size]  # the next B indices of the shuffle
            x_batch, y_batch = x[batch], y[batch]  # (B, 1) each
            # forward
            y_pred = w * x_batch + b
            # loss: the mean of error ** 2 over the batch; the step needs only its gradient
            error = y_pred - y_batch
            # backward: the gradients from 1.2, averaged over the batch instead of all N
            grad_w = 2 * (error * x_batch).mean()
            grad_b = 2 * error.mean()
            # update
            w -= step_size * grad_w
            b -= step_size * grad_b
            losses.append(mse(w, b))  # judged on ALL the data, the same yardstick for every run
            examples_seen.append(examples_seen[-1] + len(batch))
            if len(losses) - 1 == max_updates:
                return losses, examples_seen


runs = {
    name: train(batch_size, shuffle_seed, num_epochs * math.ceil(N / batch_size))
    for name, batch_size in batch_sizes.items()
}

# %% plot
styles: dict[str, dict[str, float | str]] = {
    "SGD": {"linewidth": 0.6},
    "mini-batch": {"linewidth": 1.5},
    "full batch": {"linewidth": 2.5, "linestyle": ":"},
}
fig, (per_update, per_example) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
for name in ["SGD", "mini-batch", "full batch"]:  # full batch drawn last, on top
    losses, examples_seen = runs[name]
    label = f"{name} (B = {batch_sizes[name]})"
    per_update.plot(range(1, len(losses)), losses[1:], label=label, **styles[name])
    per_example.plot(examples_seen[1:], losses[1:], label=label, **styles[name])
for ax in (per_update, per_example):
    ax.axhline(optimal_loss, color="black", linestyle="--", label="best possible loss")
    ax.set_xscale("log")
    ax.set_yscale("log")
per_update.set_title("Per update")
per_update.set_xlabel("updates (log scale)")
per_update.set_ylabel("MSE loss on all 1,000 points (log scale)")
per_example.set_title("Per example seen")
per_example.set_xlabel("examples seen (log scale; 1 epoch = 1,000)")
per_update.legend(loc="upper right")  # the empty corner
fig.suptitle("One run of each, same data, same start, same learning rate")
fig.tight_layout()
plt.show()

# %% shuffles
# One run is one draw of a random process. Repeat the noisy runs with other shuffles.
full_losses, full_seen = runs["full batch"]
full_early = full_losses[compare_after]  # full batch is not random: one run is all there is


def examples_to_reach(losses: list[float], examples_seen: list[int], target: float) -> int:
    """Examples seen when the loss first drops below target (-1 if it never does)."""
    return next((seen for loss, seen in zip(losses, examples_seen, strict=True) if loss < target), -1)


target = 1.1 * optimal_loss  # "within 10% of the best possible loss"
early: dict[str, list[float]] = {"mini-batch": [], "SGD": []}
to_reach: dict[str, list[int]] = {"mini-batch": [], "SGD": []}
sgd_time_inside: list[float] = []  # after its first dip, the share of updates SGD stays within 10%
num_long_runs = 20  # SGD shuffles run for a whole epoch, to see whether it stays close
for shuffle in range(num_shuffles):
    for name in early:
        max_updates = 150 if name == "SGD" else 100  # enough to get within 10% of the best
        if name == "SGD" and shuffle < num_long_runs:
            max_updates = N
        losses, examples_seen = train(batch_sizes[name], 1000 + shuffle, max_updates)
        early[name].append(losses[compare_after])
        to_reach[name].append(examples_to_reach(losses, examples_seen, target))
        if max_updates == N:
            after_dip = losses[examples_seen.index(to_reach[name][-1]) :]
            sgd_time_inside.append(sum(loss < target for loss in after_dip) / len(after_dip))

mini_gap_early = [abs(loss / full_early - 1) for loss in early["mini-batch"]]
sgd_ahead_fraction = sum(loss < full_early for loss in early["SGD"]) / num_shuffles
sgd_median_early = statistics.median(early["SGD"])
sgd_mean_early = statistics.mean(early["SGD"])  # the average run: pulled up by the unlucky ones
sgd_min_early, sgd_max_early = min(early["SGD"]), max(early["SGD"])
mini_gap_median, mini_gap_max = statistics.median(mini_gap_early), max(mini_gap_early)
print(f"after {compare_after} updates ({num_shuffles} shuffles): full batch {full_early:.4f}")
print(
    f"  mini-batch differs from full batch by {100 * mini_gap_median:.1f}% (median), at most {100 * mini_gap_max:.1f}%"
)
print(
    f"  SGD median {sgd_median_early:.4f}, range {sgd_min_early:.4f} to {sgd_max_early:.4f}, ahead of full batch in {100 * sgd_ahead_fraction:.0f}%"
)
print(f"  SGD mean {sgd_mean_early:.4f}: on average the noisy step is worse")

sgd_reach_median = statistics.median(to_reach["SGD"])
sgd_reach_min, sgd_reach_max = min(to_reach["SGD"]), max(to_reach["SGD"])
mini_reach_median = statistics.median(to_reach["mini-batch"])
mini_reach_min, mini_reach_max = min(to_reach["mini-batch"]), max(to_reach["mini-batch"])
full_reach = examples_to_reach(full_losses, full_seen, target)
full_final_ratio = full_losses[-1] / optimal_loss
# Full batch has no noise, so it can take a much larger step: 2 / (lambda_w + lambda_b) is the
# best constant eta for this bowl: w and b shrink equally fast, 1 - eta*lambda_w = eta*lambda_b - 1.
lambda_w, lambda_b = 2 * (x**2).mean().item(), 2.0
full_best_lr = 2 / (lambda_w + lambda_b)


def slowest_factor(step_size: float) -> float:
    """The worse of |1 - eta * lambda| for w and b: how much of the error one step leaves."""
    return max(abs(1 - step_size * lambda_w), abs(1 - step_size * lambda_b))


assert all(slowest_factor(full_best_lr) <= slowest_factor(k / 100) for k in range(1, 100))  # the best
full_tuned_losses, full_tuned_seen = train(N, shuffle_seed, num_epochs, step_size=full_best_lr)
full_tuned_reach = examples_to_reach(full_tuned_losses, full_tuned_seen, target)
full_tuned_updates = full_tuned_reach // N
sgd_inside_median = statistics.median(sgd_time_inside)
sgd_inside_min, sgd_inside_max = min(sgd_time_inside), max(sgd_time_inside)
tuned_vs_sgd = round(full_tuned_reach / sgd_reach_median, -1)  # to the nearest 10
print(f"examples seen until the loss first dips within 10% of the best ({num_shuffles} shuffles):")
print(f"  SGD        median {sgd_reach_median:6.0f} | range {sgd_reach_min} to {sgd_reach_max}")
print(f"  mini-batch median {mini_reach_median:6.0f} | range {mini_reach_min} to {mini_reach_max}")
print(f"  full batch never in {num_epochs * N} examples; it ends at {full_final_ratio:.1f}x the best loss")
print(
    f"  full batch at eta {full_best_lr:.2f}: {full_tuned_reach} examples ({full_tuned_updates} updates), and stays"
)
print(
    f"after that first dip, SGD is within 10% for {100 * sgd_inside_median:.0f}% of the updates of its first epoch"
    f" (median of {num_long_runs} shuffles; range {100 * sgd_inside_min:.0f}% to {100 * sgd_inside_max:.0f}%)"
)

assert all(a > b for a, b in itertools.pairwise(full_losses))  # full batch never goes up
assert mini_gap_median < 0.1 and mini_gap_max < 0.3  # per update, 32 point nearly like 1,000
sgd_median_vs_full = sgd_median_early / full_early
assert 0.8 < sgd_median_vs_full < 1.25  # per update, the typical SGD run is level with full batch
assert 0.25 < sgd_ahead_fraction < 0.75  # ... ahead in some shuffles, behind in others
assert sgd_min_early < full_early / 3 and sgd_max_early > 3 * full_early  # by a wide margin
assert sgd_reach_min > 0 and sgd_reach_max < N  # per example, every SGD run gets close within its first epoch
assert mini_reach_min > N and mini_reach_max < 3 * N  # mini-batch: within one to three epochs
assert full_reach == -1 and full_final_ratio > 5  # full batch at eta 0.1: not within 10 epochs
assert all(loss < target for loss in full_tuned_losses[full_tuned_updates:])  # tuned: gets there and stays
assert tuned_vs_sgd > 30  # ... but SGD still needs far fewer examples
assert sgd_inside_min > 0.3 and sgd_inside_max < 0.7  # SGD dips in, then is out about half the time
assert sgd_mean_early > full_early  # per update, the average noisy step is worse than the exact one

# %% counts
for name, batch_size in batch_sizes.items():
    updates_per_epoch = math.ceil(N / batch_size)
    last_batch = N - (updates_per_epoch - 1) * batch_size
    print(
        f"{name:>10} | {N} examples per epoch in {updates_per_epoch:4d} updates | last batch {last_batch:4d}"
    )
    assert runs[name][1][updates_per_epoch] == N  # one epoch = N examples, whatever B is
mini_updates_per_epoch = math.ceil(N / mini_batch_size)
mini_last_batch = N - (mini_updates_per_epoch - 1) * mini_batch_size

# %% penalty
# Why the median SGD run keeps level with full batch at first: at the start the exact step's
# drop, about eta * |g|^2, dwarfs the penalty of the noise, 1/2 eta^2 (lambda_w sigma_w^2 +
# lambda_b sigma_b^2) for B = 1, although |g|^2 and sigma^2 are about the same size there.
start_residual = (start_w * x + start_b - y).flatten()  # (N,)
start_grads = torch.stack([2 * start_residual * x.flatten(), 2 * start_residual], dim=1)  # (N, 2)
start_g = start_grads.mean(dim=0)  # (2,): the full gradient at the start
start_sigma2_w, start_sigma2_b = ((start_grads - start_g) ** 2).mean(dim=0).tolist()
start_grad_sq = (start_g**2).sum().item()  # |g|^2
start_sigma2 = start_sigma2_w + start_sigma2_b
start_drop = learning_rate * start_grad_sq  # first-order drop of the exact step
start_penalty = 0.5 * learning_rate**2 * (lambda_w * start_sigma2_w + lambda_b * start_sigma2_b)
exact_drop = mse(start_w, start_b) - mse(start_w - learning_rate * start_g[0], start_b - learning_rate * start_g[1])
print(f"at the start: |g|^2 {start_grad_sq:.1f}, sigma^2 {start_sigma2:.1f}")
print(f"  drop of the exact step {exact_drop:.2f} (eta |g|^2 = {start_drop:.2f}), noise penalty {start_penalty:.3f}")
assert 0.5 < start_grad_sq / start_sigma2 < 2  # the same size: g is NOT large next to its noise
assert start_penalty < exact_drop / 10  # but the penalty, scaled by eta^2, is small next to the drop
