"""What batch size trades: noise per update against updates per epoch.

New in this lesson: a sweep. Every batch size gets the same budget, five passes
over the data (5,000 per-example gradients), and the same learning rate. Small
batches make many noisy updates; large ones make few exact ones. We also count
what an update costs, and time it coarsely: only ratios, never seconds.
"""

import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters and data settings (the same data and start as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
learning_rate = 0.1
num_epochs = 5  # the budget: every batch size sees 5 x 1,000 examples
batch_sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
timing_updates = 300  # updates per timing measurement (best of 5)
seed = 42

torch.manual_seed(seed)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1), torch.randn(1)
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()


@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


optimal_loss = mse(torch.tensor(best_w), torch.tensor(best_b))


# %% sweep
def train(batch_size: int) -> list[float]:
    """The loop of three_ways.py; return the full-data loss after every update of the last epoch."""
    shuffle_generator = torch.Generator().manual_seed(seed)
    w, b = start_w.clone(), start_b.clone()
    for epoch in range(num_epochs):
        order = torch.randperm(N, generator=shuffle_generator)
        x_shuffled, y_shuffled = x[order], y[order]  # (N, 1) each
        last_epoch_losses = []
        for start in range(0, N, batch_size):
            x_batch = x_shuffled[start : start + batch_size]  # (B, 1)
            y_batch = y_shuffled[start : start + batch_size]  # (B, 1)
            # forward
            y_pred = w * x_batch + b
            # loss: the mean of error ** 2 over the batch; the step needs only its gradient
            error = y_pred - y_batch
            # backward
            grad_w = 2 * (error * x_batch).mean()
            grad_b = 2 * error.mean()
            # update
            w -= learning_rate * grad_w
            b -= learning_rate * grad_b
            last_epoch_losses.append(mse(w, b))
    return last_epoch_losses


excess_after_budget = {}
for batch_size in batch_sizes:
    last_epoch_losses = train(batch_size)
    excess_after_budget[batch_size] = sum(last_epoch_losses) / len(last_epoch_losses) - optimal_loss
    updates = num_epochs * math.ceil(N / batch_size)
    print(
        f"batch {batch_size:4d} | updates {updates:5d} | loss above the optimum in epoch {num_epochs} {excess_after_budget[batch_size]:.2e}"
    )

best_batch_size = min(excess_after_budget, key=excess_after_budget.get)
sgd_vs_best = excess_after_budget[1] / excess_after_budget[best_batch_size]
full_vs_best = excess_after_budget[N] / excess_after_budget[best_batch_size]
print(
    f"Result: best batch size on this budget: {best_batch_size} | SGD is {sgd_vs_best:.0f}x worse, full batch {full_vs_best:.0f}x worse"
)
assert best_batch_size not in (1, N)  # the best trade is in the middle
assert sgd_vs_best > 10 and full_vs_best > 10


# %% plot_tradeoff
def flip(value):
    """Batch size <-> updates per epoch, for the second axis (clipped: never divide by 0)."""
    return N / np.clip(value, 1e-9, None)


fig, ax = plt.subplots()
ax.loglog(batch_sizes, list(excess_after_budget.values()), "o-")
top_axis = ax.secondary_xaxis("top", functions=(flip, flip))
top_axis.set_xlabel("updates per epoch (log scale)")
ax.set_title(f"Same budget ({num_epochs} epochs), different batch sizes", pad=12)
ax.set_xlabel("batch size B (log scale)")
ax.set_ylabel("loss above the optimum in the last epoch (log scale)")
fig.tight_layout()  # room for the second x-axis on top
plt.show()


# %% cost
def seconds_per_update(batch_size: int) -> float:
    """Best-of-5 time of one update on a batch of batch_size examples (used only in ratios)."""
    w, b = start_w.clone(), start_b.clone()
    x_batch, y_batch = x[:batch_size], y[:batch_size]
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(timing_updates):
            error = w * x_batch + b - y_batch
            w -= 1e-6 * 2 * (error * x_batch).mean()  # a tiny step: only the time matters here
            b -= 1e-6 * 2 * error.mean()
        best = min(best, (time.perf_counter() - started) / timing_updates)
    return best


update_cost_ratio = seconds_per_update(N) / seconds_per_update(1)  # 1,000 examples vs 1 example
epoch_cost_ratio = N / update_cost_ratio  # SGD's epoch time over full batch's epoch time
# Coarse bounds instead of measured ratios, so the page is the same on every machine.
update_cost_limit = 10
epoch_cost_limit = 100
assert update_cost_ratio < update_cost_limit  # 1,000x the arithmetic, well under 10x the time
assert epoch_cost_ratio > epoch_cost_limit  # so an SGD epoch takes over 100x as long
print(
    f"Result: one update on {N} examples costs less than {update_cost_limit} updates on 1 example;"
)
print(
    f"        an epoch of SGD takes more than {epoch_cost_limit}x as long as an epoch of full batch"
)
