"""Why SGD hovers near the minimum instead of settling, and two ways to calm it.

New in this lesson: every run starts AT the least-squares solution, where the
full gradient is zero. Full batch stays put. SGD cannot: one example's gradient
is not zero there, so each step kicks the line away, and the pull back toward
the minimum only balances the kicks in a band above it. A learning rate that
decays, or a bigger batch, makes the band narrower.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
learning_rate = 0.1  # the constant step size (the starting one for the decaying run)
num_epochs = 10
mini_batch_size = 32
seed = 42

torch.manual_seed(seed)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()


@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


optimal_loss = mse(torch.tensor(best_w), torch.tensor(best_b))


# %% train
def constant(epoch: int) -> float:
    return learning_rate


def decaying(epoch: int) -> float:
    return learning_rate / (1 + epoch)  # 0.1, 0.05, 0.033, ... 0.01 in the last epoch


def train(batch_size: int, schedule) -> torch.Tensor:
    """Start at the optimum; return the full-data loss after every update, shape (epochs, updates per epoch)."""
    shuffle_generator = torch.Generator().manual_seed(seed)
    w, b = torch.tensor([best_w]), torch.tensor([best_b])
    losses = []
    for epoch in range(num_epochs):
        step_size = schedule(epoch)
        order = torch.randperm(N, generator=shuffle_generator)
        x_shuffled, y_shuffled = x[order], y[order]  # (N, 1) each
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
            w -= step_size * grad_w
            b -= step_size * grad_b
            losses.append(mse(w, b))
    return torch.tensor(losses).view(num_epochs, -1)


runs = {
    "full batch, constant lr": train(N, constant),
    "SGD, constant lr": train(1, constant),
    "SGD, decaying lr": train(1, decaying),
    f"mini-batch {mini_batch_size}, constant lr": train(mini_batch_size, constant),
}
excess = {name: losses - optimal_loss for name, losses in runs.items()}  # loss above the optimum
for name, above in excess.items():
    means = above.mean(dim=1)  # mean excess loss in each epoch
    spread = above[num_epochs // 2 :].std()  # how much the loss moves over the second half
    print(
        f"{name:>28} | mean excess: epoch   1 {means[0]:.2e}, epoch {num_epochs:3d} {means[-1]:.2e} | spread {spread:.2e}"
    )

# %% plot_band
fig, ax = plt.subplots()
for name, above in excess.items():
    if name.startswith("full"):
        continue  # its excess is exactly zero, which a log axis cannot show
    per_update = torch.arange(1, above.numel() + 1) / above.shape[1]  # x position in epochs
    lines = ax.plot(per_update, above.flatten(), linewidth=0.4, alpha=0.35)
    epoch_middles = torch.arange(num_epochs) + 0.5
    ax.plot(
        epoch_middles,
        above.mean(dim=1),
        "o-",
        color=lines[0].get_color(),
        label=f"{name} (epoch mean)",
    )
ax.set_yscale("log")
ax.set_ylim(1e-7, 1e-1)
ax.set_title("Starting at the minimum: loss above the optimum per update")
ax.set_xlabel("epoch")
ax.set_ylabel("loss minus best possible loss (log scale)")
ax.legend()
plt.show()

# %% claims
half = num_epochs // 2  # band heights are averaged over the second half, epochs 6 to 10
full_drift = excess["full batch, constant lr"].abs().max().item()
sgd = excess["SGD, constant lr"]
sgd_band, sgd_band_early = (
    sgd[half:].mean().item(),
    sgd[1:half].mean().item(),
)  # epochs 6-10 and 2-5
sgd_spread = sgd[half:].std().item()
full_spread = excess["full batch, constant lr"][half:].std().item()
mini_band = excess[f"mini-batch {mini_batch_size}, constant lr"][half:].mean().item()
decay_band = excess["SGD, decaying lr"][-1].mean().item()  # still shrinking: the last epoch only
decay_shrink, mini_shrink = sgd_band / decay_band, sgd_band / mini_band
relative_band_percent = 100 * sgd_band / optimal_loss
print(f"full batch never moved more than {full_drift:.1e} from the optimum")
print(
    f"SGD: {sgd_band:.2e} above the optimum in epochs 6-10 ({relative_band_percent:.0f}%), {sgd_band_early:.2e} in epochs 2-5"
)
print(
    f"Result: the band shrinks {decay_shrink:.0f}x with the decaying lr and {mini_shrink:.0f}x with batch {mini_batch_size}"
)

assert full_drift < 1e-6  # full batch: the gradient is zero, so it does not move
assert sgd_spread > 1e-4 and full_spread < 1e-7  # SGD's loss keeps moving, full batch's does not
assert sgd.min().item() > 0  # every SGD line is worse than the best line ...
assert 0.67 < sgd_band / sgd_band_early < 1.5  # ... and the band does not shrink with time
assert decay_shrink > 5
assert 16 < mini_shrink < 64  # about the 32 that a variance of 1/B suggests

# %% predict
# The step-by-step section predicts the band for one parameter with curvature h and
# gradient noise variance s2: learning_rate * s2 / (2 * (2 - learning_rate * h)).
# w and b do not interact here (x is symmetric), so the two contributions add up.
error_at_best = best_w * x + best_b - y  # (N, 1): the residuals of the best line
per_example_grads = torch.cat([2 * error_at_best * x, 2 * error_at_best], dim=1)  # (N, 2)
full_grad_at_best = per_example_grads.mean(dim=0)
torch.testing.assert_close(
    full_grad_at_best, torch.zeros(2), atol=1e-5, rtol=0
)  # zero on average ...
grad_variance = per_example_grads.var(dim=0, correction=0)  # ... but not one by one: (2,)
grad_variance_w, grad_variance_b = grad_variance.tolist()
curvature = torch.tensor([2 * (x**2).mean().item(), 2.0])  # h_w and h_b, as in 1.2
predicted_band = (
    (learning_rate * grad_variance / (2 * (2 - learning_rate * curvature))).sum().item()
)
print(
    f"per-example gradient variance at the optimum: w {grad_variance_w:.4f} | b {grad_variance_b:.4f}"
)
# The residuals of the best line are the noise, so the variances are about 4 noise_std^2 x^2 and 4 noise_std^2.
assert abs(grad_variance_w / (4 * noise_std**2 * (x**2).mean().item()) - 1) < 0.1
assert abs(grad_variance_b / (4 * noise_std**2) - 1) < 0.1
print(f"Result: predicted band {predicted_band:.2e} | measured {sgd_band:.2e}")
assert abs(sgd_band / predicted_band - 1) < 0.25
