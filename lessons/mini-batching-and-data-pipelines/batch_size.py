"""What the batch size does to speed (examples per second) and to noise (the loss band).

Speed: time a training step on batches of B examples, straight from tensors and
through a DataLoader, interleaved, and report tau(B) / tau(1) only coarsely rounded or
bounded (never absolute times: they depend on the machine; finer ratios change from
run to run), plus the calls of __getitem__ per batch, which are counted, not timed. Noise: start a small network at a
minimum of its loss, as post 1.3 did with the line, and measure how far mini-batch
SGD drifts above it, over 20 seeds.
"""

import statistics
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from sine_data import make_sine_data

# Hyperparameters and data settings
width = 16  # m, the hidden units of the network of 2.3
timing_sizes: list[int] = [1, 16, 256]
timing_repeats = 15  # each tau(B) is the fastest of 15 timings of at least 0.1 s
num_seeds = 20
N = 128  # training examples for the noise experiments
base_lr = 0.01  # eta at B = 4
band_sizes: list[int] = [4, 8, 16, 32]
num_epochs, burn_in = 6, 2  # the band is the mean over epochs 3 to 6
torch.set_num_threads(1)  # steadier timings on a shared machine


def make_model(seed: int) -> nn.Sequential:
    """One hidden layer of tanh units, as in 2.3, written with torch.nn."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))


# %% speed
x_time, y_time = make_sine_data(1024, seed=1)
model = make_model(0)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)


class CountedTensors(TensorDataset):
    """A TensorDataset that counts the calls of __getitem__ made on it."""

    calls = 0

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        self.calls += 1
        return super().__getitem__(index)


datasets = {B: CountedTensors(x_time, y_time) for B in timing_sizes}
loaders = {B: DataLoader(datasets[B], batch_size=B, shuffle=True, drop_last=True) for B in timing_sizes}
streams = {B: iter(loaders[B]) for B in timing_sizes}


def next_batch(batch_size: int, through_loader: bool, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The next batch: from the DataLoader (B calls of __getitem__, then the collate) or one slice."""
    if not through_loader:
        start = step * batch_size % len(x_time)
        return x_time[start : start + batch_size], y_time[start : start + batch_size]
    batch = next(streams[batch_size], None)
    if batch is None:  # the epoch is over: start the next one
        streams[batch_size] = iter(loaders[batch_size])
        batch = next(streams[batch_size])
    x_batch, y_batch = batch
    return x_batch, y_batch


def seconds_per_update(batch_size: int, through_loader: bool, min_seconds: float = 0.1) -> float:
    """tau(B): the mean time of one training step, over as many steps as fill min_seconds."""
    steps, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        x_batch, y_batch = next_batch(batch_size, through_loader, steps)
        loss = ((model(x_batch) - y_batch) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
    return elapsed / steps


settings = [(B, False) for B in timing_sizes] + [(1, True), (256, True)]  # (B, through the loader)
for setting in settings:
    seconds_per_update(*setting, min_seconds=0.02)  # warm-up
times: dict[tuple[int, bool], list[float]] = {setting: [] for setting in settings}
for repeat in range(timing_repeats):  # every repeat times every setting, in a rotating order
    k = repeat % len(settings)
    for setting in settings[k:] + settings[:k]:
        times[setting].append(seconds_per_update(*setting))
# Noise (other processes, interrupts) only adds time, so the fastest timing is the least disturbed.
tau = {setting: min(values) for setting, values in times.items()}

# Sliced from tensors: tau(B) / tau(1), rounded to one significant figure (the page quotes no finer).
tau_ratios = [tau[(B, False)] / tau[(1, False)] for B in timing_sizes]
tau_rounded = [float(f"{r:.1g}") for r in tau_ratios]
speedups = [B / r for B, r in zip(timing_sizes, tau_rounded, strict=True)]  # examples per second
print(
    "tensors   : tau(B) / tau(1) to one significant figure:",
    ", ".join(f"B {B}: {r:g}" for B, r in zip(timing_sizes, tau_rounded, strict=True)),
)
print(
    "            examples per second relative to B = 1:",
    ", ".join(f"B {B}: about {s:.0f}x" for B, s in zip(timing_sizes, speedups, strict=True)),
)
# Never much more than B times the examples per second (c0 is shared, never saved), and c0
# dominates: tau(B) stays within a small factor of tau(1).
assert all(0.8 <= r < 2.5 for r in tau_ratios)
tensor_tau_ratio, tensor_speedup = tau_rounded[-1], speedups[-1]  # at B = 256

# Through the DataLoader: B calls of __getitem__ per batch (counted), and a bound on tau(256) / tau(1).
datasets[256].calls = 0
next_batch(256, True, 0)  # one more batch, counted
calls_per_batch = datasets[256].calls
assert calls_per_batch == 256
loader_tau_ratio = tau[(256, True)] / tau[(1, True)]
loader_tau_low, loader_tau_high = 2, 16
loader_speedup_low, loader_speedup_high = 256 // loader_tau_high, 256 // loader_tau_low
assert loader_tau_low < loader_tau_ratio < loader_tau_high
print(f"DataLoader: {calls_per_batch} calls of __getitem__ per batch of 256;")
print(
    f"            tau(256) / tau(1) between {loader_tau_low} and {loader_tau_high}: examples per second"
    f" {loader_speedup_low} to {loader_speedup_high} times those of B = 1, well below 256"
)

# %% minimum
x, y = make_sine_data(N, seed=42)
model = make_model(0)
lbfgs = torch.optim.LBFGS(
    model.parameters(),
    max_iter=1000,
    line_search_fn="strong_wolfe",
    tolerance_grad=1e-9,
    tolerance_change=1e-12,
)


def full_loss() -> torch.Tensor:
    lbfgs.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    return loss


lbfgs.step(full_loss)  # full batch, to a minimum: the reference point L*
best_state = {name: value.clone() for name, value in model.state_dict().items()}
best_loss = full_loss().item()
grad_norm = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]).norm().item()
assert grad_norm < 1e-3  # the gradient is (nearly) zero: a minimum

# The sharpest curvature there, lambda_max: the top eigenvalue of the Hessian (49 x 49).
names = [name for name, _ in model.named_parameters()]
shapes = [p.shape for p in model.parameters()]
flat_best = torch.cat([p.detach().flatten() for p in model.parameters()])


def loss_of_flat(theta: torch.Tensor) -> torch.Tensor:
    chunks = theta.split([shape.numel() for shape in shapes])
    params = {n: c.view(s) for n, c, s in zip(names, chunks, shapes, strict=True)}
    return ((torch.func.functional_call(model, params, (x,)) - y) ** 2).mean()


hessian = torch.autograd.functional.hessian(loss_of_flat, flat_best)
lambda_max = torch.linalg.eigvalsh(hessian).max().item()
stability_lr = 2 / lambda_max
print(
    f"L* = {best_loss:.4f}, |g| = {grad_norm:.1e}, lambda_max = {lambda_max:.1f}, 2 / lambda_max = {stability_lr:.3f}"
)


# %% band
def band(batch_size: int, lr: float, seed: int, replacement: bool = False) -> tuple[float, list[float]]:
    """SGD from the minimum: the mean of L - L* after the burn-in, and the whole curve."""
    model = make_model(0)
    model.load_state_dict(best_state)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    data = TensorDataset(x, y)
    generator = torch.Generator().manual_seed(seed)
    sampler = RandomSampler(data, replacement=replacement, generator=generator)  # shuffle=True's sampler
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler)
    curve = []
    for _ in range(num_epochs):
        for x_batch, y_batch in loader:
            loss = ((model(x_batch) - y_batch) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():  # the full-data loss after this update
                curve.append(((model(x) - y) ** 2).mean().item() - best_loss)
    settled = curve[burn_in * len(loader) :]
    return sum(settled) / len(settled), curve


def median_band(batch_size: int, lr: float, replacement: bool = False) -> tuple[float, float, float]:
    """Median, min and max of the band over num_seeds seeds."""
    bands = [band(batch_size, lr, seed, replacement)[0] for seed in range(num_seeds)]
    return statistics.median(bands), min(bands), max(bands)


small, large = band_sizes[0], band_sizes[-1]
results: dict[str, tuple[float, float, float]] = {}
for B in band_sizes:  # eta proportional to B, so eta / B stays that of B = 4
    lr = base_lr * B / small
    results[f"B {B:2d}, eta {lr:.2f}, shuffled"] = median_band(B, lr)
results[f"B {large:2d}, eta {base_lr:.2f}, shuffled"] = median_band(large, base_lr)  # eta fixed
for B in (small, large):  # the assumption of 1.3's formula: batches drawn with replacement
    results[f"B {B:2d}, eta {base_lr:.2f}, with replacement"] = median_band(B, base_lr, replacement=True)
for name, (median, low, high) in results.items():
    print(f"{name:33s}: band {median:.1e} (range {low:.1e} to {high:.1e})")

# Fixed eta: 8 times the batch, 8 times less eta / B.
band_small = results[f"B {small:2d}, eta {base_lr:.2f}, shuffled"]
band_large = results[f"B {large:2d}, eta {base_lr:.2f}, shuffled"]
fixed_ratio = band_small[0] / band_large[0]
assert band_small[1] > band_large[2]  # every seed of B = 4 hovers above every seed of B = 32
with_ratio = (
    results[f"B {small:2d}, eta {base_lr:.2f}, with replacement"][0]
    / results[f"B {large:2d}, eta {base_lr:.2f}, with replacement"][0]
)
assert (
    6 < with_ratio < 11 and fixed_ratio > 16
)  # with replacement about 8, as eta / B says; shuffled far more

# eta / B fixed: the same band, times the factor (2 - eta_4 lambda) / (2 - eta_B lambda) of 1.3.
scaled_ratios: list[float] = []
predicted_ratios: list[float] = []
for B in band_sizes[1:]:
    lr = base_lr * B / small
    scaled_ratios.append(results[f"B {B:2d}, eta {lr:.2f}, shuffled"][0] / band_small[0])
    predicted_ratios.append((2 - base_lr * lambda_max) / (2 - lr * lambda_max))
    print(f"B {B:2d}: band / band of B = 4 = {scaled_ratios[-1]:.2f}, predicted {predicted_ratios[-1]:.2f}")
for measured, predicted in zip(scaled_ratios, predicted_ratios, strict=True):
    assert abs(measured / predicted - 1) < 0.35
lr_large = base_lr * large / small
lr_large_times_lambda = lr_large * lambda_max
scaled_b8, scaled_b32, predicted_b32 = scaled_ratios[0], scaled_ratios[-1], predicted_ratios[-1]
# The factor takes all the gradient noise to lie along the sharpest direction (lambda_max alone)
# and leaves out the correction for shuffled epochs: an estimate, here within about 20%.
b32_gap = abs(scaled_b32 / predicted_b32 - 1)
assert b32_gap < 0.25
band_small_median, band_small_min, band_small_max = band_small
band_large_median, band_large_min, band_large_max = band_large
curves: dict[str, list[float]] = {f"B = {B}": band(B, base_lr, seed=0)[1] for B in (small, large)}
for label, low, high in [("B = 4", 1e-5, 1e-3), ("B = 32", 1e-6, 3e-5)]:  # the caption's bands
    share_inside = sum(low < v < high for v in curves[label]) / len(curves[label])
    assert share_inside > 0.75, (label, share_inside)
assert min(curves["B = 32"]) > 1e-7 and max(curves["B = 32"]) < 1e-4 < max(curves["B = 4"]) < 3e-3

# %% plot_band
fig, ax = plt.subplots()
for label, curve in curves.items():
    examples_seen = [(k + 1) * N * num_epochs / len(curve) for k in range(len(curve))]
    ax.semilogy(examples_seen, curve, label=f"{label}, eta = {base_lr}")
ax.axvline(burn_in * N, color="gray", linestyle=":", label="end of the burn-in")
ax.set_title("SGD started at a minimum: the loss above it, after every update")
ax.set_xlabel("examples seen")
ax.set_ylabel("full-data loss minus L* (log scale)")
ax.legend()
plt.show()
