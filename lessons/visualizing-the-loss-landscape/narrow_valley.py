"""A badly conditioned bowl: gradient descent zig-zags across a narrow valley.

New in this lesson: one change to the data. The inputs x run over [0, 5] instead of
[-1, 1] (same line, same noise). That stretches and tilts the bowl into a long,
narrow valley; the condition number lambda_max / lambda_min grows, and gradient
descent needs many more steps, even at the best fixed learning rate for each bowl.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters and data settings
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
input_ranges = {"x in [-1, 1]": (-1.0, 1.0), "x in [0, 5]": (0.0, 5.0)}  # what this lesson varies
start = torch.tensor([0.0, 3.0], dtype=torch.float64)  # (w, b): far along the valley and a little across it
tolerance = 1e-6  # "converged" = loss within this of the minimum
max_steps = 1000

torch.manual_seed(42)

# %% data
noise = noise_std * torch.randn(N, 1)  # (N, 1), the same noise for both data sets
datasets = {}
for name, (low, high) in input_ranges.items():
    x = torch.linspace(low, high, N).unsqueeze(1)  # (N, 1)
    y = true_w * x + true_b + noise
    # float64, so that "within 1e-6 of the minimum" is decided by the math, not by rounding
    datasets[name] = (x.double(), y.double())

# %% conditioning
eigenvalue_pairs, eigenvector_pairs, condition_numbers, learning_rates = {}, {}, {}, {}
for name, (x, y) in datasets.items():
    hessian = 2 * torch.tensor([[(x**2).mean(), x.mean()], [x.mean(), 1.0]], dtype=torch.float64)
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)  # ascending; columns are directions
    lambda_min, lambda_max = eigenvalues.tolist()
    eigenvalue_pairs[name] = (lambda_min, lambda_max)
    eigenvector_pairs[name] = eigenvectors
    condition_numbers[name] = lambda_max / lambda_min
    learning_rates[name] = 2 / (lambda_min + lambda_max)  # the best fixed rate, derived in the post
    print(f"{name:12s} | lambda_min {lambda_min:.4f} | lambda_max {lambda_max:7.4f}"
          f" | condition number {condition_numbers[name]:5.2f} | lr {learning_rates[name]:.4f}")
condition_round = condition_numbers["x in [-1, 1]"]
condition_narrow = condition_numbers["x in [0, 5]"]
lambda_min_round, lambda_max_round = eigenvalue_pairs["x in [-1, 1]"]
lambda_min_narrow, lambda_max_narrow = eigenvalue_pairs["x in [0, 5]"]
lr_narrow = learning_rates["x in [0, 5]"]
edge_narrow = 2 / lambda_max_narrow  # the largest stable learning rate, as in curvature.py
flat_direction, steep_direction = eigenvector_pairs["x in [0, 5]"].T  # (2,) each
flat_direction = flat_direction * flat_direction[0].sign()  # an eigenvector's sign is arbitrary
valley_w, valley_b = flat_direction.tolist()
valley_trade = -valley_b / valley_w  # lower b by this much per unit of w along the valley floor
print(f"valley direction in (w, b): ({valley_w:.3f}, {valley_b:.3f})")
assert lambda_max_narrow > lambda_max_round and lambda_min_narrow < lambda_min_round
assert 0.95 * edge_narrow < lr_narrow < edge_narrow  # the best rate sits just below the edge


# %% descend
def gradient_descent(x: torch.Tensor, y: torch.Tensor, learning_rate: float):
    """Run the loop until the loss is within tolerance of the minimum; return path and excess losses."""
    features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
    # driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
    # so its last digits could change from one run to the next (pytorch#187411)
    best = torch.linalg.lstsq(features, y, driver="gels").solution.flatten()  # (2,)
    min_loss = ((features @ best - y.flatten()) ** 2).mean()
    w, b = start[0].clone(), start[1].clone()
    path, excess_losses = [torch.stack([w, b])], []
    for step in range(max_steps):
        # forward
        y_pred = w * x + b
        # loss
        error = y_pred - y
        loss = (error**2).mean()
        excess_losses.append((loss - min_loss).item())
        if excess_losses[-1] < tolerance:
            break
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
        path.append(torch.stack([w, b]))
    return torch.stack(path), excess_losses, best


runs = {}
for name, (x, y) in datasets.items():
    runs[name] = gradient_descent(x, y, learning_rates[name])
    print(f"{name:12s} | steps to converge {len(runs[name][1]) - 1:4d}")
steps_round = len(runs["x in [-1, 1]"][1]) - 1
steps_narrow = len(runs["x in [0, 5]"][1]) - 1
step_ratio = steps_narrow / steps_round
# The math: per step the offset shrinks by (kappa - 1) / (kappa + 1), the loss by its square.
rate_round = (condition_round - 1) / (condition_round + 1)
rate_narrow = (condition_narrow - 1) / (condition_narrow + 1)
predicted_step_ratio = np.log(rate_round) / np.log(rate_narrow)
for name, rate in [("x in [-1, 1]", rate_round), ("x in [0, 5]", rate_narrow)]:
    excess = torch.tensor(runs[name][1])
    torch.testing.assert_close(excess[1:] / excess[:-1], torch.full_like(excess[1:], rate**2), rtol=1e-2, atol=0)
print(f"per-step factor: {rate_round:.3f} (x in [-1, 1]) vs {rate_narrow:.3f} (x in [0, 5])")
print(f"Result: the narrow valley needs {step_ratio:.1f} times as many steps"
      f" (predicted {predicted_step_ratio:.1f})")
assert 0.7 < step_ratio / predicted_step_ratio < 1.3

# %% valley_path
x, y = datasets["x in [0, 5]"]
path, excess_losses, best = runs["x in [0, 5]"]
w_grid, b_grid = torch.meshgrid(
    torch.linspace(-2.0, 6.0, 201), torch.linspace(-3.0, 5.0, 201), indexing="xy"
)
loss_grid = ((w_grid.unsqueeze(-1) * x.flatten() + b_grid.unsqueeze(-1) - y.flatten()) ** 2).mean(-1)
fig, ax = plt.subplots()
ax.contour(w_grid.numpy(), b_grid.numpy(), loss_grid.numpy(), levels=np.geomspace(0.05, 200, 12),
           colors="lightgray")
ax.plot(path[:, 0].numpy(), path[:, 1].numpy(), "o-", color="tab:red", markersize=2, linewidth=0.8,
        label=f"gradient descent, lr {lr_narrow:.3f}")
ax.plot(start[0].item(), start[1].item(), "ks", label="start")
ax.plot(best[0].item(), best[1].item(), "k*", markersize=12, label="minimum")
ax.set_aspect("equal")
ax.set_title("x in [0, 5]: zig-zag across a narrow valley")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="upper right", fontsize=8)
plt.show()

# %% loss_curves
fig, ax = plt.subplots()
for name, (_, excess, _) in runs.items():
    ax.semilogy(excess, label=f"{name}, condition number {condition_numbers[name]:.1f}")
ax.axhline(tolerance, color="black", linestyle="--", label="tolerance")
ax.set_title("Loss above the minimum, each at its best fixed learning rate")
ax.set_xlabel("step")
ax.set_ylabel("loss - minimum loss (log scale)")
ax.legend()
plt.show()

# %% checks
offsets = path - best  # (T, 2)
steep_parts = offsets @ steep_direction  # across the valley
flat_parts = offsets @ flat_direction  # along the valley
zigzag_steps = 40
assert all(steep_parts[1 : zigzag_steps + 1] * steep_parts[:zigzag_steps] < 0)  # flips every step
assert all(flat_parts[1:].abs() < flat_parts[:-1].abs())  # creeps towards the minimum ...
assert all(flat_parts[1:] * flat_parts[:-1] > 0)  # ... from one side, never crossing it
assert condition_narrow > 10 * condition_round
assert step_ratio > 10
print(f"across the valley the offset changed sign at each of the first {zigzag_steps} steps")
