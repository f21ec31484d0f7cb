"""Solutions to the exercises of post 1.3, one cell per exercise.

Each cell asserts what its solution claims; run the file to check every answer.
"""

import statistics

import torch
from torch.utils.data import DataLoader, TensorDataset

# Hyperparameters and data settings (the same data as the other lessons of this post)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
num_epochs = 5
num_runs = 20  # runs (or seeds) per measurement: one run could be lucky
seed = 42  # for the data and the starting line
shuffle_seed = (
    1  # for the batches; never the data's seed: the same random stream would tie the order to the noise
)

torch.manual_seed(seed)

x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1), torch.randn(1)
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
lambda_w, lambda_b = 2 * (x**2).mean().item(), 2.0  # the curvatures of 1.2


@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


optimal_loss = mse(torch.tensor(best_w), torch.tensor(best_b))

# %% solution_1
# Predict: the band formula, one term for w and one for b, with sigma^2 at the minimum.
residual = (best_w * x + best_b - y).squeeze(1)  # (N,): what the best line leaves
sigma2_w = (2 * residual * x.squeeze(1)).var(correction=0).item()
sigma2_b = (2 * residual).var(correction=0).item()


def predicted_band(step_size: float, batch_size: int) -> float:
    terms = [(sigma2_w, lambda_w), (sigma2_b, lambda_b)]
    return sum(step_size * s2 / (2 * batch_size * (2 - step_size * lam)) for s2, lam in terms)


def measured_band(step_size: float, batch_size: int, per_example_cross: bool = True) -> float:
    """Median over num_runs runs (rows) from the best line of L - L* after the first epoch."""
    generator = torch.Generator().manual_seed(shuffle_seed)
    w, b = torch.full((num_runs, 1), best_w), torch.full((num_runs, 1), best_b)
    excess = []
    for step in range(num_epochs * N // batch_size):
        batch = torch.randint(0, N, (num_runs, batch_size), generator=generator)  # with replacement
        x_batch, y_batch = x.squeeze(1)[batch], y.squeeze(1)[batch]  # (runs, B)
        error = w * x_batch + b - y_batch
        error_w, error_b = error, error
        if not per_example_cross:  # drop 2 x_i (b - b*) from dl_i/dw and 2 x_i (w - w*) from dl_i/db
            error_w, error_b = error - (b - best_b), error - x_batch * (w - best_w)
        w = w - step_size * 2 * (error_w * x_batch).mean(dim=1, keepdim=True)
        b = b - step_size * 2 * error_b.mean(dim=1, keepdim=True)
        if step >= N // batch_size:  # skip the first epoch: the climb into the band
            excess.append(0.5 * lambda_w * (w - best_w) ** 2 + 0.5 * lambda_b * (b - best_b) ** 2)
    return torch.cat(excess, dim=1).mean(dim=1).median().item()


predicted_base, measured_base = predicted_band(0.1, 1), measured_band(0.1, 1)  # eta 0.1, B 1
predicted_double_eta = predicted_band(0.2, 1) / predicted_base
measured_double_eta = measured_band(0.2, 1) / measured_base
predicted_double_both = predicted_band(0.2, 2) / predicted_base
measured_double_both = measured_band(0.2, 2) / measured_base
print(f"double eta:       predicted x{predicted_double_eta:.2f} | measured x{measured_double_eta:.2f}")
print(f"double eta and B: predicted x{predicted_double_both:.2f} | measured x{measured_double_both:.2f}")
assert 2 < predicted_double_eta < 2.5 and 1 < predicted_double_both < 1.2
assert abs(measured_double_eta / predicted_double_eta - 1) < 0.15
assert abs(measured_double_both / predicted_double_both - 1) < 0.15
# %% why_excess
# Why above the formula? It treats the noise as a kick that ignores where the line is. Drop the
# per-example cross terms (and keep each example's own curvature 2 x_i^2): most of the excess goes.
excess_full = measured_base / predicted_base - 1
excess_no_cross = measured_band(0.1, 1, per_example_cross=False) / predicted_base - 1
print(
    f"eta 0.1, B 1, above the formula by {excess_full:.1%} | without per-example cross terms {excess_no_cross:.1%}"
)
assert excess_no_cross < excess_full / 2

# %% solution_2
loader_epochs, settled_from = 10, 5  # average over epochs 6 to 10: the approach is long over
first_late_epoch = settled_from + 1


def late_excess(run: int, drop_last: bool = False) -> float:
    """One seed of the DataLoader loop: mean L - L* over epochs 6 to 10."""
    generator = torch.Generator().manual_seed(shuffle_seed + run)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=32, shuffle=True, generator=generator, drop_last=drop_last
    )
    if run == 0:  # count the batches once
        sizes = [len(x_batch) for x_batch, _ in loader]
        print(f"drop_last={drop_last}: {len(loader)} batches per epoch, the last of {sizes[-1]} examples")
        assert sizes == [32] * 31 + ([] if drop_last else [8])
    w = start_w.clone().requires_grad_()
    b = start_b.clone().requires_grad_()
    optimizer = torch.optim.SGD([w, b], lr=0.1)
    late_losses = []
    for epoch in range(loader_epochs):
        for x_batch, y_batch in loader:
            w_before, b_before = w.detach().clone(), b.detach().clone()
            loss = ((w * x_batch + b - y_batch) ** 2).mean()  # forward and loss
            optimizer.zero_grad()  # backward() adds to .grad: clear last step's
            loss.backward()
            optimizer.step()  # w -= lr * w.grad, and the same for b
            if run == epoch == 0:  # the same step by hand, as in three_ways.py
                error = w_before * x_batch + b_before - y_batch
                assert torch.allclose(w.detach(), w_before - 0.1 * 2 * (error * x_batch).mean())
                assert torch.allclose(b.detach(), b_before - 0.1 * 2 * error.mean())
            if epoch >= settled_from:
                late_losses.append(mse(w.detach(), b.detach()))
    return sum(late_losses) / len(late_losses) - optimal_loss


loader_runs = [late_excess(run) for run in range(num_runs)]
loader_median = statistics.median(loader_runs)
loader_min, loader_max = min(loader_runs), max(loader_runs)
print(
    f"epochs {first_late_epoch}-{loader_epochs}, {num_runs} seeds: L - L* median {loader_median:.2e},"
    f" range {loader_min:.2e} to {loader_max:.2e}"
)
assert loader_max < 0.01 * optimal_loss  # every run within 1% of the best loss

# %% drop_last
# The same without the short batch of 8 (not shown in the post; quoted in its discussion).
dropped_runs = [late_excess(run, drop_last=True) for run in range(num_runs)]
dropped_median = statistics.median(dropped_runs)
dropped_min, dropped_max = min(dropped_runs), max(dropped_runs)
print(f"drop_last=True: L - L* median {dropped_median:.2e}, range {dropped_min:.2e} to {dropped_max:.2e}")
assert dropped_median < loader_median  # the batch of 8 is noisier: it lifts the band
