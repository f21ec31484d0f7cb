"""Gradient descent drawn as a path across the loss landscape.

New in this lesson: the training loop of post 1.2 records (w, b) after every step,
and we draw those points on the contour map for three learning rates.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters and data settings (the same data and start as post 1.2)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
learning_rates = [0.1, 0.5, 1.0]  # the only thing this lesson varies
num_steps = 25  # full-batch gradient steps

torch.manual_seed(42)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1).item(), torch.randn(1).item()  # drawn as in post 1.2: same start
x, y = x.double(), y.double()

features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
lambda_w, lambda_b = 2 * (x**2).mean().item(), 2.0  # the eigenvalues of H (landscape.py)
print(f"start:   w = {start_w:7.4f}, b = {start_b:7.4f}")
print(f"minimum: w = {best_w:7.4f}, b = {best_b:7.4f}")


# %% descend
def gradient_descent(learning_rate: float) -> torch.Tensor:
    """Run the loop of post 1.2 and return the path of (w, b), start included."""
    w, b = start_w, start_b
    path: list[tuple[float, float]] = [(w, b)]
    for _ in range(num_steps):
        # forward and loss (the update needs only the error, not the loss itself)
        error = w * x + b - y  # (N, 1)
        # backward: the gradients of post 1.2
        grad_w = 2 * (error * x).mean().item()
        grad_b = 2 * error.mean().item()
        # update
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
        path.append((w, b))
    return torch.tensor(path)  # (num_steps + 1, 2)


paths: dict[float, torch.Tensor] = {lr: gradient_descent(lr) for lr in learning_rates}
for lr, path in paths.items():
    # Each eigenvector's offset is multiplied by 1 - lr * lambda per step (post 1.2's factor).
    print(f"lr {lr:3.1f} | factor along w {1 - lr * lambda_w:6.3f}, along b {1 - lr * lambda_b:6.3f}"
          f" | ends at w = {path[-1, 0]:.4f}, b = {path[-1, 1]:.4f}")

# %% contour_paths
w_grid, b_grid = torch.meshgrid(torch.linspace(-1.0, 3.0, 101, dtype=torch.float64),
                                torch.linspace(-2.5, 0.5, 101, dtype=torch.float64), indexing="xy")
loss_grid = ((w_grid.unsqueeze(-1) * x.flatten() + b_grid.unsqueeze(-1) - y.flatten()) ** 2).mean(-1)

fig, ax = plt.subplots()
ax.contour(w_grid.numpy(), b_grid.numpy(), loss_grid.numpy(), levels=np.geomspace(0.02, 8, 10),
           colors="lightgray")
for lr, color in zip(learning_rates, ["tab:blue", "tab:green", "tab:red"], strict=True):
    ax.plot(paths[lr][:, 0], paths[lr][:, 1], "o-", color=color, markersize=3, linewidth=1,
            label=f"learning rate {lr}")
ax.plot(start_w, start_b, "ks", label="start")
ax.plot(best_w, best_b, "k*", markersize=12, label="minimum")
ax.set_aspect("equal")
ax.set_title(f"Gradient descent paths, {num_steps} steps each")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% checks
slow_factor_w, slow_factor_b = 1 - 0.1 * lambda_w, 1 - 0.1 * lambda_b  # the factors at lr 0.1
slow_distance = (paths[0.1][-1] - torch.tensor([best_w, best_b])).norm().item()
bias_after_one_step = paths[0.5][1, 1].item()
bounce_size = abs(paths[1.0][-1, 1].item() - best_b)
print(f"lr 0.1: still {slow_distance:.4f} from the minimum after {num_steps} steps")
print(f"lr 0.5: b after one step {bias_after_one_step:.4f} (best b {best_b:.4f})")
print(f"lr 1.0: w ends at {paths[1.0][-1, 0]:.4f}, b keeps missing by {bounce_size:.4f}")
assert slow_distance > 0.1  # lr 0.1 creeps along the flat direction
torch.testing.assert_close(bias_after_one_step, best_b)  # lr 0.5 = 1 / lambda_b: one step
torch.testing.assert_close(paths[1.0][-1, 0].item(), best_w)  # lr 1.0: w converged ...
offsets_b = paths[1.0][:, 1] - best_b
torch.testing.assert_close(offsets_b[1:], -offsets_b[:-1])  # ... b flips sign, same size, forever
