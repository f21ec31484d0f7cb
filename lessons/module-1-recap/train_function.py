"""Module 1 in one function: a reusable training loop with a batch size.

New here: the loop of posts 1.1-1.3 becomes `train()` (in parabola.py, with the
data). Its `batch_size` argument covers full batch (B = N), mini-batch (1 < B < N)
and SGD (B = 1) in one loop, tried on a parabola y = a*x^2 + w*x + b.
"""

import matplotlib.pyplot as plt
import torch

from parabola import N, initial, mse, noise_std, quadratic, train, x, y

# Hyperparameters
learning_rate = 0.5  # eta for the full-batch fit
num_epochs = 100  # passes over the data for the full-batch fit
race_learning_rate = 0.3  # eta shared by the three batch sizes below
race_epochs = 5  # passes over the data in the batch-size race
batch_sizes: dict[str, int] = {"full batch": N, "mini-batch": 20, "SGD": 1}
num_shuffles = 20  # seeds per stochastic batch size

# %% fit
params = [initial[i].clone().requires_grad_() for i in range(3)]  # [a, w, b], tracked
losses = train(quadratic, params, mse, x, y, learning_rate, num_epochs, batch_size=N)
fitted: list[float] = [param.item() for param in params]
final_loss = losses[-1]
print(f"train():       a = {fitted[0]:.4f}, w = {fitted[1]:.4f}, b = {fitted[2]:.4f}")

# %% check
# The loss is a quadratic bowl in (a, w, b), so least squares gives its exact minimum
# (float64 for an accurate reference). driver="gels": the default driver reads
# uninitialized memory in torch 2.13, so its last digits could vary (pytorch#187411).
features = torch.stack([x**2, x, torch.ones_like(x)], dim=1).double()  # (N, 3)
best = torch.linalg.lstsq(features, y.double().unsqueeze(1), driver="gels").solution.squeeze(1)
best_loss = mse(features @ best, y.double()).item()  # L*
final_gap = final_loss - best_loss
print(f"least squares: a = {best[0]:.4f}, w = {best[1]:.4f}, b = {best[2]:.4f}")
print(f"loss {final_loss:.5f}, L* = {best_loss:.5f}, gap {final_gap:.1e}")
assert max(abs(f - b) for f, b in zip(fitted, best.tolist(), strict=True)) < 1e-3
assert final_gap < 1e-6 and abs(best_loss - noise_std**2) < 0.003  # L* near the noise

# torch.optim.SGD does steps 4 and 5 for you: same start, same numbers.
sgd_params = [initial[i].clone().requires_grad_() for i in range(3)]
optimizer = torch.optim.SGD(sgd_params, lr=learning_rate)
for _epoch in range(num_epochs):
    loss = mse(quadratic(x, sgd_params), y)
    loss.backward()
    optimizer.step()  # param -= lr * param.grad, under no_grad
    optimizer.zero_grad()  # param.grad = None
torch.testing.assert_close(torch.stack(sgd_params), torch.stack(params))
print("torch.optim.SGD lands on the same a, w, b")

# %% race
race: dict[str, list[list[float]]] = {name: [] for name in batch_sizes}
for name, B in batch_sizes.items():
    for seed in range(1 if B == N else num_shuffles):  # full batch: nothing random
        params = [initial[i].clone().requires_grad_() for i in range(3)]
        race[name].append(train(quadratic, params, mse, x, y, race_learning_rate, race_epochs, B, seed))

# %% race_summary
final_gaps: dict[str, torch.Tensor] = {
    name: torch.tensor([run[-1] for run in runs]) - best_loss for name, runs in race.items()
}
for name, gaps in final_gaps.items():
    updates = race_epochs * (N // batch_sizes[name])
    print(
        f"{name:>10} | B = {batch_sizes[name]:3d} | {updates:4d} updates | gap to L*: "
        f"median {gaps.median():.1e}, range {gaps.min():.1e} to {gaps.max():.1e}"
    )
gap_full = final_gaps["full batch"].item()
gap_mini_median = final_gaps["mini-batch"].median().item()
gap_mini_min = final_gaps["mini-batch"].min().item()
gap_mini_max = final_gaps["mini-batch"].max().item()
gap_sgd_median = final_gaps["SGD"].median().item()
gap_sgd_min = final_gaps["SGD"].min().item()
gap_sgd_max = final_gaps["SGD"].max().item()
sgd_over_mini = gap_sgd_median / gap_mini_median  # ratio of the medians
assert gap_full > 10 * gap_mini_max  # more updates per epoch win ...
assert sgd_over_mini > 5  # ... until the noise of B = 1 keeps SGD hovering (medians)
assert gap_sgd_max < gap_full  # every SGD run still beat full batch

# %% plot_race
fig, ax = plt.subplots()
epochs = torch.arange(1, race_epochs + 1)
for name, runs in race.items():
    gaps = torch.tensor(runs) - best_loss  # (seeds, epochs)
    median = gaps.median(dim=0).values
    (line,) = ax.plot(epochs, median, marker="o", markersize=3, label=f"{name} (B = {batch_sizes[name]})")
    if len(runs) > 1:  # shade the range over the shuffles
        ax.fill_between(
            epochs, gaps.min(dim=0).values, gaps.max(dim=0).values, color=line.get_color(), alpha=0.2
        )
ax.set_yscale("log")
ax.set_xticks(epochs.tolist())
ax.set_title(f"One train(), three batch sizes (eta = {race_learning_rate})")
ax.set_xlabel("epoch")
ax.set_ylabel("loss - L* on all the data (log scale)")
ax.legend()
plt.show()
