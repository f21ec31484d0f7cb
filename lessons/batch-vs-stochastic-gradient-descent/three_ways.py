"""Full-batch, mini-batch and stochastic gradient descent on the same line fit.

New in this lesson: the loop from 1.2 gets an inner loop over batches. The only
thing that differs between the three runs is the batch size, how many examples
feed each update: all 1,000 (full batch), 32 (mini-batch) or 1 (SGD).
"""

import itertools
import math

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings
true_w = 2.0  # slope of the line that generates the data (as in 1.2)
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 1000  # number of data points (1.2 used 100)
learning_rate = 0.1  # the same constant step size for every run
num_epochs = 20  # passes over the data; every run gets the same number
batch_sizes = {"full batch": N, "mini-batch": 32, "SGD": 1}
num_repeats = 200  # extra SGD runs, each with its own shuffle, for the per-update check
seed = 42

torch.manual_seed(seed)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1), evenly spaced in [-1, 1]
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1), torch.randn(1)  # every run starts from this line

# The best loss any line can reach on this data: least squares on the columns [x, 1].
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()


@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


start_loss = mse(start_w, start_b)
optimal_loss = mse(torch.tensor(best_w), torch.tensor(best_b))
print(f"start: w = {start_w.item():.4f}, b = {start_b.item():.4f} | loss {start_loss:.4f}")
print(f"least-squares line: w* = {best_w:.4f}, b* = {best_b:.4f} | loss {optimal_loss:.5f}")


# %% train
def train(
    batch_size: int, shuffle_seed: int = seed, max_updates: int | None = None
) -> tuple[list[float], list[int]]:
    """Run the loop; return the full-data loss and the examples seen after every update."""
    shuffle_generator = torch.Generator().manual_seed(shuffle_seed)
    w, b = start_w.clone(), start_b.clone()
    losses, examples_seen = [mse(w, b)], [0]  # index k = after k updates
    for epoch in range(num_epochs):
        order = torch.randperm(N, generator=shuffle_generator)  # a fresh shuffle each epoch
        x_shuffled, y_shuffled = x[order], y[order]  # (N, 1) each
        for start in range(0, N, batch_size):
            x_batch = x_shuffled[start : start + batch_size]  # (B, 1): the next B examples
            y_batch = y_shuffled[start : start + batch_size]  # (B, 1)
            # forward
            y_pred = w * x_batch + b
            # loss: the mean of error ** 2 over the batch; the step needs only its gradient
            error = y_pred - y_batch
            # backward: the gradients from 1.2, averaged over the batch instead of all N
            grad_w = 2 * (error * x_batch).mean()
            grad_b = 2 * error.mean()
            # update
            w -= learning_rate * grad_w
            b -= learning_rate * grad_b
            losses.append(mse(w, b))
            examples_seen.append(examples_seen[-1] + len(x_batch))
            if len(losses) - 1 == max_updates:
                return losses, examples_seen
        if max_updates is None and epoch in (0, 4, num_epochs - 1):
            print(
                f"batch {batch_size:4d} | epoch {epoch + 1:3d} | updates {len(losses) - 1:6d} | loss {losses[-1]:.5f}"
            )
    return losses, examples_seen


runs = {name: train(batch_size) for name, batch_size in batch_sizes.items()}
full_losses, mini_losses, sgd_losses = (
    runs[name][0] for name in ["full batch", "mini-batch", "SGD"]
)

# %% plot_updates
fig, ax = plt.subplots()
styles = {
    "SGD": {"linewidth": 0.6},
    "mini-batch": {"linewidth": 1.5},
    "full batch": {"linewidth": 2.5, "linestyle": ":"},
}
for name in ["SGD", "mini-batch", "full batch"]:  # full batch drawn last, on top
    losses = runs[name][0]
    ax.plot(
        range(1, len(losses)), losses[1:], label=f"{name} (B = {batch_sizes[name]})", **styles[name]
    )
ax.axhline(optimal_loss, color="black", linestyle="--", label="best possible loss")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_title("Full-data loss against the number of updates")
ax.set_xlabel("updates (log scale)")
ax.set_ylabel("MSE loss on all 1,000 points")
ax.legend()
plt.show()

full_at_20, mini_at_20, sgd_at_20_this_run = full_losses[20], mini_losses[20], sgd_losses[20]
mini_vs_full_at_20 = abs(mini_at_20 / full_at_20 - 1)  # after the same 20 updates
sgd_up_fraction = sum(later > earlier for earlier, later in itertools.pairwise(sgd_losses)) / (
    len(sgd_losses) - 1
)
print(
    f"after 20 updates: full batch {full_at_20:.4f} | mini-batch {mini_at_20:.4f} | SGD {sgd_at_20_this_run:.4f}"
)
print(f"SGD's loss went up on {100 * sgd_up_fraction:.0f}% of its updates; full batch's never did")
assert all(later < earlier for earlier, later in itertools.pairwise(full_losses))  # never goes up
assert mini_vs_full_at_20 < 0.1  # per update, batch 32 nearly matches all 1,000
assert sgd_up_fraction > 0.4
assert sgd_at_20_this_run < full_at_20  # this run of SGD is ahead after 20 updates ...

# %% per_update
# ... but one run is one draw. Repeat the first 20 SGD updates with other shuffles.
sgd_at_20 = torch.tensor(
    [train(1, shuffle_seed=1000 + repeat, max_updates=20)[0][20] for repeat in range(num_repeats)]
)
sgd_mean_at_20 = sgd_at_20.mean().item()
sgd_ahead_fraction = (sgd_at_20 < full_at_20).float().mean().item()
print(
    f"after 20 updates, over {num_repeats} shuffles: SGD mean loss {sgd_mean_at_20:.4f} vs full batch {full_at_20:.4f}"
)
print(f"SGD is ahead of full batch in {100 * sgd_ahead_fraction:.0f}% of the shuffles")
assert sgd_mean_at_20 > full_at_20  # on average, a noisy step is no better than an exact one
assert 0.2 < sgd_ahead_fraction < 0.8  # and whether one run is ahead is close to a coin flip

# %% plot_examples
fig, ax = plt.subplots()
for name in ["SGD", "mini-batch", "full batch"]:
    losses, examples_seen = runs[name]
    epochs_seen = [seen / N for seen in examples_seen]
    ax.plot(epochs_seen, losses, label=f"{name} (B = {batch_sizes[name]})", **styles[name])
ax.axhline(optimal_loss, color="black", linestyle="--", label="best possible loss")
ax.set_yscale("log")
ax.set_title("Full-data loss against the number of examples seen")
ax.set_xlabel("examples seen, in epochs (1 epoch = 1,000 examples)")
ax.set_ylabel("MSE loss on all 1,000 points")
ax.legend()
plt.show()


def examples_to_reach(name: str, target: float) -> int:
    """Examples seen when the loss first drops below target (-1 if it never does)."""
    losses, examples_seen = runs[name]
    return next((seen for loss, seen in zip(losses, examples_seen) if loss < target), -1)


target = 1.1 * optimal_loss  # "within 10% of the best possible loss"
sgd_examples = examples_to_reach("SGD", target)
mini_examples = examples_to_reach("mini-batch", target)
full_examples = examples_to_reach("full batch", target)
full_after_1, sgd_after_1 = full_losses[1], sgd_losses[N]  # after one epoch each
full_ratio = full_losses[-1] / optimal_loss
print(
    f"within 10% of the optimum after {sgd_examples} examples (SGD), {mini_examples} (mini-batch), never (full batch)"
)
print(f"after 1 epoch: full batch {full_after_1:.4f} | SGD {sgd_after_1:.4f}")
print(f"after {num_epochs} epochs: full batch is at {full_ratio:.1f} x the optimum")
assert 0 < sgd_examples < N  # SGD: within the first epoch
assert N < mini_examples < 2 * N  # mini-batch: within two epochs
assert full_examples == -1  # full batch: not within 20 epochs
assert full_after_1 > 10 * sgd_after_1
assert full_ratio > 5
mini_epoch_updates = math.ceil(N / batch_sizes["mini-batch"])
mini_last_epoch = sum(mini_losses[-mini_epoch_updates:]) / mini_epoch_updates
assert mini_last_epoch < 1.01 * optimal_loss  # the mini-batch run hugs the optimum

# %% counts
updates_per_epoch = {name: math.ceil(N / batch_size) for name, batch_size in batch_sizes.items()}
for name, batch_size in batch_sizes.items():
    losses, examples_seen = runs[name]
    per_epoch = examples_seen[-1] // num_epochs
    assert len(losses) - 1 == num_epochs * updates_per_epoch[name]
    assert per_epoch == N  # every run computes N per-example gradients per epoch
    print(
        f"{name:>10} | examples per update {batch_size:4d} | updates per epoch {updates_per_epoch[name]:4d}"
        f" | per-example gradients per epoch {per_epoch}"
    )
sgd_updates_per_epoch = updates_per_epoch["SGD"]
mini_updates_per_epoch = updates_per_epoch["mini-batch"]
print(
    f"Result: same {N} gradients per epoch; 1, {mini_updates_per_epoch} or {sgd_updates_per_epoch} updates made from them"
)
