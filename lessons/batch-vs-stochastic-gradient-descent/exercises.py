"""Solutions to the exercises of post 1.3, one cell per exercise.

Each cell reuses the data and the small helpers defined at the top; run the file
to check every answer (each cell asserts what its solution claims).
"""

import math

import torch
from torch.utils.data import DataLoader, TensorDataset

# Hyperparameters and data settings (the same data as the other lessons of this post)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
learning_rate = 0.1
num_epochs = 5
seed = 42

torch.manual_seed(seed)

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


def band_from_optimum(batches, step_size: float) -> float:
    """Start at the optimum, take one step per index batch; return the mean loss above the optimum."""
    w, b = torch.tensor([best_w]), torch.tensor([best_b])
    total = 0.0
    for batch in batches:
        x_batch, y_batch = x[batch], y[batch]  # (B, 1) each
        error = w * x_batch + b - y_batch
        w -= step_size * 2 * (error * x_batch).mean()
        b -= step_size * 2 * error.mean()
        total += mse(w, b) - optimal_loss
    return total / len(batches)


def shuffled_batches(batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """num_epochs epochs of index batches: a fresh shuffle each epoch, cut into slices."""
    batches = []
    for epoch in range(num_epochs):
        order = torch.randperm(N, generator=generator)
        batches += [order[start : start + batch_size] for start in range(0, N, batch_size)]
    return batches


# %% solution_1
# Count the updates per epoch and the size of the last, short batch.
for batch_size in [32, 16, 7]:
    sizes = [len(range(N)[start : start + batch_size]) for start in range(0, N, batch_size)]
    assert len(sizes) == math.ceil(N / batch_size) and sum(sizes) == N
    print(
        f"batch {batch_size:2d} | updates per epoch {len(sizes):3d} | last batch {sizes[-1]:2d} examples"
    )
last_batch_32 = N % 32
assert math.ceil(N / 32) == 32 and last_batch_32 == 8
# The last batch of 8 averages fewer gradients, so its estimate is about 4x noisier
# than a full batch of 32 (variance ~ 1/B), but it is still unbiased.

# %% solution_2
# Predict first, with the band formula: eta * s2 / (2 * (2 - eta * curvature)), summed over w and b.
error_at_best = best_w * x + best_b - y  # (N, 1)
grad_variance = torch.cat([2 * error_at_best * x, 2 * error_at_best], dim=1).var(
    dim=0, correction=0
)  # (2,)
curvature = torch.tensor([2 * (x**2).mean().item(), 2.0])  # lambda_w and lambda_b from 1.2


def predicted_band(step_size: float) -> float:
    return (step_size * grad_variance / (2 * (2 - step_size * curvature))).sum().item()


predicted_ratio = predicted_band(0.2) / predicted_band(0.1)
# Then measure: the same shuffles, two learning rates.
sgd_batches = shuffled_batches(1, torch.Generator().manual_seed(seed))
band_at_lr = {step_size: band_from_optimum(sgd_batches, step_size) for step_size in [0.1, 0.2]}
band_ratio = band_at_lr[0.2] / band_at_lr[0.1]
print(f"band at lr 0.1 {band_at_lr[0.1]:.2e} | at lr 0.2 {band_at_lr[0.2]:.2e}")
print(f"ratio: predicted {predicted_ratio:.2f} | measured {band_ratio:.2f}")
assert 2 < predicted_ratio < 2.5 and 2 < band_ratio < 2.8  # a bit more than twice as wide
assert abs(band_ratio / predicted_ratio - 1) < 0.15

# %% solution_3
# Sample with replacement: every batch is B independent draws from all N examples.
draw_generator = torch.Generator().manual_seed(seed)
one_epoch_of_draws = torch.randint(0, N, (N,), generator=draw_generator)
never_drawn = 1 - one_epoch_of_draws.unique().numel() / N
print(
    f"with replacement, {100 * never_drawn:.1f}% of the examples are never drawn in N draws (1/e = {100 / math.e:.1f}%)"
)
assert abs(never_drawn - 1 / math.e) < 0.03

reshuffled = torch.cat(
    shuffled_batches(N, draw_generator)[:1]
)  # one epoch of a shuffle, as one batch
assert reshuffled.unique().numel() == N  # a shuffle uses every example exactly once

# Does SGD care? Train one example at a time both ways and compare the bands.
with_replacement = [
    torch.randint(0, N, (1,), generator=draw_generator) for _ in range(num_epochs * N)
]
band_with = band_from_optimum(with_replacement, learning_rate)
band_shuffled = band_from_optimum(shuffled_batches(1, draw_generator), learning_rate)
print(f"SGD band: with replacement {band_with:.2e} | shuffled epochs {band_shuffled:.2e}")
assert 0.67 < band_with / band_shuffled < 1.5  # about the same band either way

# %% solution_4
# The mini-batch loop with PyTorch's own pieces: DataLoader for the shuffling, autograd
# for the gradients and torch.optim.SGD for the update.
loader = DataLoader(
    TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed)
)
first_x_batch, _ = next(iter(loader))
hand_first_batch = x[torch.randperm(N, generator=torch.Generator().manual_seed(seed))[:32]]
assert not torch.equal(
    first_x_batch, hand_first_batch
)  # same seed, different shuffle: a different path
w = start_w.clone().requires_grad_()
b = start_b.clone().requires_grad_()
optimizer = torch.optim.SGD([w, b], lr=learning_rate)
late_losses = []
for epoch in range(num_epochs):
    epoch_losses = []  # full-data loss after each update of this epoch
    for step, (x_batch, y_batch) in enumerate(loader):
        w_before, b_before = w.detach().clone(), b.detach().clone()
        # forward
        y_pred = w * x_batch + b
        # loss
        loss = ((y_pred - y_batch) ** 2).mean()
        # backward
        optimizer.zero_grad()
        loss.backward()
        # update
        optimizer.step()
        if epoch == 0 and step == 0:  # the same step by hand, as in three_ways.py
            error = w_before * x_batch + b_before - y_batch
            torch.testing.assert_close(
                w.detach(), w_before - learning_rate * 2 * (error * x_batch).mean()
            )
            torch.testing.assert_close(b.detach(), b_before - learning_rate * 2 * error.mean())
        epoch_losses.append(mse(w.detach(), b.detach()))
    print(
        f"epoch {epoch + 1:3d} | mean loss over the epoch {sum(epoch_losses) / len(epoch_losses):.5f}"
    )
    if epoch >= 2:  # from the third epoch on, once the line has arrived
        late_losses += epoch_losses
loader_band = sum(late_losses) / len(late_losses) - optimal_loss
print(
    f"Result: from epoch 3 on, DataLoader + optim.SGD sit {loader_band:.2e} above the optimum on average"
)
assert loader_band < 0.01 * optimal_loss  # the same narrow band as the hand-written mini-batch loop
