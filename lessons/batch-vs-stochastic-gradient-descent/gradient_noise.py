"""A mini-batch gradient is an unbiased, noisy estimate of the full gradient.

New in this lesson: no training at all. We freeze the line at its starting point,
compute the gradient of every single example, and check the math of the post:
the full gradient is the average of the per-example gradients, a batch average
is right on average, and its variance is sigma^2 / B for independent draws (with
replacement), times (N - B) / (N - 1) for a batch of distinct examples.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as three_ways.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 1000
batch_sizes: list[int] = [1, 4, 16, 64, 256, 512, 900]
num_draws = 4000  # batches drawn per batch size and per way of drawing
seed = 42  # for the data and the starting line
shuffle_seed = (
    1  # for the batches; never the data's seed: the same random stream would tie the order to the noise
)

torch.manual_seed(seed)
draw_generator = torch.Generator().manual_seed(shuffle_seed)

# %% per_example
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
w, b = torch.randn(1), torch.randn(1)  # the starting line of three_ways.py

error = w * x + b - y  # (N, 1)
per_example_grads = torch.cat([2 * error * x, 2 * error], dim=1)  # (N, 2): row i = (dl_i/dw, dl_i/db)
full_grad = per_example_grads.mean(dim=0)  # (2,): the average of the N rows

# Check against autograd: the gradient of the full loss, and of one example's loss.
w_auto, b_auto = w.clone().requires_grad_(), b.clone().requires_grad_()
((w_auto * x + b_auto - y) ** 2).mean().backward()
assert w_auto.grad is not None and b_auto.grad is not None  # set by backward()
assert torch.allclose(full_grad, torch.cat([w_auto.grad, b_auto.grad]))
w_auto.grad, b_auto.grad = None, None  # backward() adds to .grad: clear it first
((w_auto * x[7] + b_auto - y[7]) ** 2).backward()  # example 7 alone
assert w_auto.grad is not None and b_auto.grad is not None
assert torch.allclose(per_example_grads[7], torch.cat([w_auto.grad, b_auto.grad]))

sigma2 = per_example_grads.var(dim=0, correction=0).sum().item()  # sigma^2: spread around g
smallest_grad_w = per_example_grads[:, 0].min().item()
largest_grad_w = per_example_grads[:, 0].max().item()
print(f"full gradient g = ({full_grad[0]:.3f}, {full_grad[1]:.3f})")
print(f"one example's dl/dw ranges from {smallest_grad_w:.2f} to {largest_grad_w:.2f}")
print(f"sigma^2 = {sigma2:.3f}")
assert smallest_grad_w < 0 < largest_grad_w  # single examples disagree even on the sign

# %% variance
# Two ways to draw a batch: B independent picks (randint; an example may come twice), or
# the first B of a shuffle (B distinct examples, like the batches of one epoch).
shuffles = torch.rand(num_draws, N, generator=draw_generator).argsort(dim=1)  # (draws, N)
measured: dict[str, list[float]] = {"with": [], "distinct": []}
print("    B | with replacement, sigma^2/B | distinct, sigma^2/B * (N-B)/(N-1)")
for B in batch_sizes:
    picks = {
        "with": torch.randint(0, N, (num_draws, B), generator=draw_generator),
        "distinct": shuffles[:, :B],
    }
    formula = {"with": sigma2 / B, "distinct": sigma2 / B * (N - B) / (N - 1)}
    for way, indices in picks.items():
        estimates = per_example_grads[indices].mean(dim=1)  # (draws, 2): one g-hat per batch
        error_of_mean = (estimates.mean(dim=0) - full_grad).abs().max()
        assert error_of_mean < 4 * (formula["with"] / num_draws) ** 0.5  # unbiased
        measured[way].append(estimates.var(dim=0).sum().item())
        assert abs(measured[way][-1] / formula[way] - 1) < 0.1  # within 10% of its formula
    print(f"{B:5d} | measured {measured['with'][-1]:.2e}, formula {formula['with']:.2e}", end="")
    print(f" | measured {measured['distinct'][-1]:.2e}, formula {formula['distinct']:.2e}")
largest_batch = batch_sizes[-1]
distinct_vs_with_largest = measured["distinct"][-1] / measured["with"][-1]
assert distinct_vs_with_largest < 0.15  # 900 distinct examples are nearly all of them

# %% plot_variance
independent = [sigma2 / B for B in batch_sizes]
distinct = [sigma2 / B * (N - B) / (N - 1) for B in batch_sizes]
fig, ax = plt.subplots()
ax.loglog(batch_sizes, independent, "--", color="tab:blue", label=r"$\sigma^2 / B$")
ax.loglog(batch_sizes, distinct, "-", color="tab:orange", label=r"$\sigma^2 / B \cdot (N-B)/(N-1)$")
ax.loglog(batch_sizes, measured["with"], "o", color="tab:blue", label="measured, with replacement")
ax.loglog(batch_sizes, measured["distinct"], "s", color="tab:orange", label="measured, distinct")
ax.set_title(f"Variance of the batch gradient ({num_draws} batches per point)")
ax.set_xlabel("batch size B (log scale)")
ax.set_ylabel("variance of the estimate (log scale)")
ax.legend()
plt.show()
