"""A mini-batch gradient is an unbiased, noisy estimate of the full gradient.

New in this lesson: no training at all. We freeze the line at its starting point,
compute the gradient of every single example, and check the math of the post:
the full gradient is the average of the per-example gradients, a mini-batch
average is right on average, and its variance falls like 1/B.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
batch_sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
num_draws = 4000  # mini-batches drawn per batch size
seed = 42

torch.manual_seed(seed)
draw_generator = torch.Generator().manual_seed(seed)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
w, b = torch.randn(1), torch.randn(1)  # the starting line of three_ways.py

# %% per_example
error = w * x + b - y  # (N, 1)
per_example_grads = torch.cat(
    [2 * error * x, 2 * error], dim=1
)  # (N, 2): row i = (dl_i/dw, dl_i/db)
full_grad = per_example_grads.mean(dim=0)  # (2,): the average of the N rows

# Check against autograd: the gradient of the full loss, and of one example's loss.
w_auto, b_auto = w.clone().requires_grad_(), b.clone().requires_grad_()
((w_auto * x + b_auto - y) ** 2).mean().backward()
torch.testing.assert_close(full_grad, torch.cat([w_auto.grad, b_auto.grad]))
w_auto.grad, b_auto.grad = None, None
((w_auto * x[7] + b_auto - y[7]) ** 2).mean().backward()  # example 7 alone
torch.testing.assert_close(per_example_grads[7], torch.cat([w_auto.grad, b_auto.grad]))

grad_variance = per_example_grads.var(dim=0, correction=0).sum().item()  # sigma^2 of the math
full_grad_w, full_grad_b = full_grad.tolist()
smallest_grad_w, largest_grad_w = (
    per_example_grads[:, 0].min().item(),
    per_example_grads[:, 0].max().item(),
)
print(f"full gradient: dL/dw {full_grad_w:8.4f} | dL/db {full_grad_b:8.4f}")
print(f"one example's dl/dw ranges from {smallest_grad_w:.4f} to {largest_grad_w:.4f}")
print(f"sigma^2 (spread of the per-example gradients) = {grad_variance:.4f}")
assert smallest_grad_w < 0 < largest_grad_w  # single examples disagree even on the sign

# %% draws
# Each row of `orders` is a random shuffle; its first B entries are one mini-batch of size B.
orders = torch.rand(num_draws, N, generator=draw_generator).argsort(dim=1)  # (draws, N)
estimates = {
    B: per_example_grads[orders[:, :B]].mean(dim=1) for B in batch_sizes
}  # B -> (draws, 2)

fig, ax = plt.subplots()
ax.scatter(*per_example_grads.T, s=6, alpha=0.4, label="one example (B = 1)")
ax.scatter(*estimates[32][:500].T, s=6, alpha=0.6, label="mini-batch of 32 (500 draws)")
ax.scatter(*full_grad, marker="*", s=250, color="black", label="full gradient (all 1,000)")
ax.set_title("Gradient estimates at the starting line")
ax.set_xlabel("dL/dw")
ax.set_ylabel("dL/db")
ax.legend()
plt.show()

# %% variance
measured, predicted = [], []
for B in batch_sizes:
    mean_estimate = estimates[B].mean(dim=0)
    variance = estimates[B].var(dim=0).sum().item()
    formula = (
        grad_variance / B * (N - B) / (N - 1)
    )  # sigma^2 / B, corrected for drawing without replacement
    standard_error = (variance / num_draws) ** 0.5
    assert (
        mean_estimate - full_grad
    ).abs().max().item() < 4 * standard_error + 1e-5  # unbiased (1e-5: float32 round-off)
    if B < N:
        assert abs(variance / formula - 1) < 0.1  # within 10% of the formula
    measured.append(variance)
    predicted.append(formula)
    print(
        f"B {B:4d} | mean estimate ({mean_estimate[0]:8.4f}, {mean_estimate[1]:8.4f}) | variance {variance:.2e} | formula {formula:.2e}"
    )
variance_ratio_1_to_32 = measured[0] / measured[batch_sizes.index(32)]
print(
    f"Result: a batch of 32 has {variance_ratio_1_to_32:.0f}x less variance than one example; the full batch has none"
)
assert measured[-1] < 1e-8  # the full batch is the full gradient: no noise at all
assert 0.9 < variance_ratio_1_to_32 / 32 < 1.1

# %% plot_variance

fig, ax = plt.subplots()
ax.loglog(batch_sizes[:-1], measured[:-1], "o", label=f"measured ({num_draws} draws each)")
ax.loglog(
    batch_sizes[:-1], [grad_variance / B for B in batch_sizes[:-1]], "--", label=r"$\sigma^2 / B$"
)
ax.loglog(batch_sizes[:-1], predicted[:-1], "-", label=r"$\sigma^2 / B \times (N - B) / (N - 1)$")
ax.set_title("Variance of the mini-batch gradient")
ax.set_xlabel("batch size B (log scale)")
ax.set_ylabel("total variance of the estimate (log scale)")
ax.legend()
plt.show()
