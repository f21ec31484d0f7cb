"""What batch size trades, and why the learning rate must come along.

New in this lesson: two sweeps over the batch size B with the same budget, five
passes over the data. In the first the learning rate stays at 0.1 for every B;
in the second it grows with B (eta = 0.1 * B / 32), which keeps eta / B fixed.
Each point is the median of many runs. Last, a coarse timing: only ratios.
"""

import math
import time

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
base_learning_rate = 0.1  # the fixed eta, and the eta of B = 32 in the scaled sweep
base_batch_size = 32
num_epochs = 5  # the budget: every batch size sees 5 x 1,000 examples
batch_sizes: list[int] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
num_runs = 20  # runs side by side, each with its own shuffles
seed = 42  # for the data and the starting line
shuffle_seed = (
    1  # for the batches; never the data's seed: the same random stream would tie the order to the noise
)

torch.manual_seed(seed)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N)  # (N,)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N)  # (N,)
start_w, start_b = torch.randn(1).item(), torch.randn(1).item()  # the start of three_ways.py
features = torch.stack([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y.unsqueeze(1), driver="gels").solution.flatten().tolist()
lambda_w, lambda_b = 2 * (x**2).mean().item(), 2.0  # the curvatures of 1.2
stability_limit = 2 / max(lambda_w, lambda_b)  # eta must stay below 2 / lambda, as in 1.2


def excess_loss(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """L - L* for each run: exact for this bowl (see noise_band.py)."""
    return 0.5 * lambda_w * (w - best_w) ** 2 + 0.5 * lambda_b * (b - best_b) ** 2


# %% sweep
def train(batch_size: int, step_size: float) -> float:
    """num_runs shuffled runs side by side; the median over runs of L - L* in the last epoch."""
    generator = torch.Generator().manual_seed(shuffle_seed)
    w = torch.full((num_runs, 1), start_w)  # (runs, 1)
    b = torch.full((num_runs, 1), start_b)
    for _ in range(num_epochs):
        order = torch.rand(num_runs, N, generator=generator).argsort(dim=1)  # one shuffle per run
        w_after, b_after = [], []
        for start in range(0, N, batch_size):
            batch = order[:, start : start + batch_size]  # (runs, B)
            error = w * x[batch] + b - y[batch]
            w = w - step_size * 2 * (error * x[batch]).mean(dim=1, keepdim=True)
            b = b - step_size * 2 * error.mean(dim=1, keepdim=True)
            w_after.append(w)
            b_after.append(b)
    last_epoch = excess_loss(torch.cat(w_after, dim=1), torch.cat(b_after, dim=1))
    return last_epoch.mean(dim=1).median().item()


start_excess = excess_loss(torch.tensor(start_w), torch.tensor(start_b)).item()
fixed: dict[int, float] = {B: train(B, base_learning_rate) for B in batch_sizes}
scaled: dict[int, float] = {}  # eta proportional to B, as long as the runs converge
for B in batch_sizes:
    step_size = base_learning_rate * B / base_batch_size
    result = train(B, step_size)
    diverged = result > start_excess  # ended farther from the best than it started
    assert diverged == (step_size > stability_limit)  # exactly where 1.2 says it must
    if not diverged:
        scaled[B] = result
    print(
        f"B {B:4d} | updates {num_epochs * math.ceil(N / B):5d} | fixed eta 0.1: {fixed[B]:.1e}"
        f" | eta {step_size:6.3f}: " + ("diverges" if diverged else f"{result:.1e}")
    )

best_fixed = min(fixed, key=fixed.__getitem__)
sgd_vs_best = fixed[1] / fixed[best_fixed]
full_vs_best = fixed[N] / fixed[best_fixed]
fixed_spread = max(fixed.values()) / min(fixed.values())
flat_up_to = 128  # eta = 0.4 here, so eta * lambda_b = 0.8: still well below 2
scaled_flat = [excess for size, excess in scaled.items() if size <= flat_up_to]
scaled_spread = max(scaled_flat) / min(scaled_flat)
largest_scaled = max(scaled)
largest_vs_best = scaled[largest_scaled] / min(scaled.values())  # 2 - eta * lambda_b = 0.4 there
print(f"fixed eta: best B = {best_fixed}; SGD {sgd_vs_best:.0f}x worse, full batch {full_vs_best:.0f}x worse")
print(
    f"worst / best: fixed eta {fixed_spread:.0f}x | eta ~ B {scaled_spread:.1f}x up to B = {flat_up_to},"
    f" {largest_vs_best:.1f}x at B = {largest_scaled}"
)
assert best_fixed not in (1, N) and sgd_vs_best > 10 and full_vs_best > 10  # a valley
assert scaled_spread < 2.5 and fixed_spread > 1000  # with eta ~ B, the batch size hardly matters ...
assert 3 < largest_vs_best < 10  # ... until eta * lambda nears 2 and the band's 2 - eta * lambda shrinks
assert largest_scaled == 256  # ... and stops where eta = 0.1 * B / 32 passes 2 / lambda_b = 1


# %% plot_tradeoff
fig, ax = plt.subplots()
ax.loglog(list(fixed), list(fixed.values()), "o-", label="fixed learning rate, 0.1")
ax.loglog(list(scaled), list(scaled.values()), "s-", label="learning rate 0.1 * B / 32")
ax.set_title(f"Same budget ({num_epochs} epochs), median of {num_runs} runs")
ax.set_xlabel("batch size B (log scale)")
ax.set_ylabel("loss above the best in the last epoch (log)")
ax.legend()
plt.show()


# %% cost
def seconds_per_update(batch_size: int, repeats: int = 300) -> float:
    """Best-of-5 time of one update on a batch of batch_size examples (used only in ratios)."""
    w, b = torch.tensor(start_w), torch.tensor(start_b)
    x_batch, y_batch = x[:batch_size], y[:batch_size]
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeats):
            error = w * x_batch + b - y_batch
            w = w - 1e-6 * 2 * (error * x_batch).mean()  # a tiny step: only the time matters
            b = b - 1e-6 * 2 * error.mean()
        best = min(best, (time.perf_counter() - started) / repeats)
    return best


update_cost_ratio = seconds_per_update(N) / seconds_per_update(1)  # 1,000 examples vs 1
update_cost_limit = 10  # coarse bounds, not measured ratios: the page is the same on any machine
epoch_cost_limit = N // update_cost_limit
assert update_cost_ratio < update_cost_limit  # 1,000x the arithmetic, under 10x the time
print(f"one update on {N} examples takes less time than {update_cost_limit} updates on 1 example,")
print(f"so an epoch of SGD takes more than {epoch_cost_limit}x as long as an epoch of full batch")
