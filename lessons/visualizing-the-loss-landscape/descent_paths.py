"""Gradient descent drawn as a path across the loss landscape.

New in this lesson: the training loop of post 1.2 records (w, b) after every step,
and we draw those points on the contour map for three learning rates. The bias
that kept bouncing at learning rate 1.0 in post 1.2 becomes visible as a path.
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
num_steps = 25  # full-batch gradient steps (one step = one epoch here)

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w = torch.randn(1)  # drawn in the same order as in post 1.2,
start_b = torch.randn(1)  # so this is the same starting line

features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
min_loss = ((best_w * x + best_b - y) ** 2).mean().item()
print(f"start:   w = {start_w.item():7.4f}, b = {start_b.item():7.4f}")
print(f"minimum: w = {best_w:7.4f}, b = {best_b:7.4f}")

# The hand-written gradients of post 1.2 agree with autograd at the start.
w_check = start_w.clone().requires_grad_()
b_check = start_b.clone().requires_grad_()
error = w_check * x + b_check - y
((error**2).mean()).backward()
torch.testing.assert_close(w_check.grad, 2 * (error * x).mean().detach().reshape(1))
torch.testing.assert_close(b_check.grad, 2 * error.mean().detach().reshape(1))


# %% descend
def gradient_descent(learning_rate: float) -> tuple[torch.Tensor, list[float]]:
    """Run the loop of post 1.2; return the (w, b) path, start included, and the losses."""
    w, b = start_w.clone(), start_b.clone()
    path = [(w.item(), b.item())]
    losses = []
    for step in range(num_steps):
        # forward
        y_pred = w * x + b  # (N, 1)
        # loss
        error = y_pred - y
        loss = (error**2).mean()
        losses.append(loss.item())
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w -= learning_rate * grad_w
        b -= learning_rate * grad_b
        path.append((w.item(), b.item()))
    losses.append(((w * x + b - y) ** 2).mean().item())  # the loss where the path ends
    return torch.tensor(path), losses  # (num_steps + 1, 2)


paths, losses = {}, {}
for learning_rate in learning_rates:
    paths[learning_rate], losses[learning_rate] = gradient_descent(learning_rate)
    end_w, end_b = paths[learning_rate][-1].tolist()
    print(
        f"lr {learning_rate:4.1f} | end w {end_w:7.4f} | end b {end_b:7.4f}"
        f" | loss {losses[learning_rate][-1]:.4f}"
    )

# %% contour_paths
w_grid, b_grid = torch.meshgrid(
    torch.linspace(-1.0, 3.0, 101), torch.linspace(-2.5, 0.5, 101), indexing="xy"
)
loss_grid = ((w_grid.unsqueeze(-1) * x.flatten() + b_grid.unsqueeze(-1) - y.flatten()) ** 2).mean(-1)

fig, ax = plt.subplots()
ax.contour(w_grid.numpy(), b_grid.numpy(), loss_grid.numpy(), levels=np.geomspace(0.02, 8, 10),
           colors="lightgray")
for learning_rate, color in zip(learning_rates, ["tab:blue", "tab:green", "tab:red"]):
    path = paths[learning_rate].numpy()
    ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=3, linewidth=1,
            label=f"learning rate {learning_rate}")
ax.plot(start_w.item(), start_b.item(), "ks", label="start")
ax.plot(best_w, best_b, "k*", markersize=12, label="minimum")
ax.set_aspect("equal")
ax.set_title(f"Gradient descent paths, {num_steps} steps each")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% bias_over_time
fig, ax = plt.subplots()
for learning_rate, color in zip(learning_rates, ["tab:blue", "tab:green", "tab:red"]):
    ax.plot(paths[learning_rate][:, 1].numpy(), "o-", color=color, markersize=3,
            label=f"learning rate {learning_rate}")
ax.axhline(best_b, color="black", linestyle="--", label="best b")
ax.set_ylim(-1.5, -0.25)  # leave room for the legend above the bouncing line
ax.set_title("The bias after each step")
ax.set_xlabel("step")
ax.set_ylabel("b (intercept)")
ax.legend(loc="upper right", ncol=2, fontsize=8)
plt.show()

# %% checks
slow_distance = (paths[0.1][-1] - torch.tensor([best_w, best_b])).norm().item()
bias_after_one_step = paths[0.5][1, 1].item()
bounce_end_w = paths[1.0][-1, 0].item()
bias_offsets = paths[1.0][:, 1] - best_b  # (num_steps + 1,)
bounce_size = abs(bias_offsets[0].item())
bounce_excess_loss = losses[1.0][-1] - min_loss
print(f"lr 0.1: distance to the minimum after {num_steps} steps {slow_distance:.4f}")
print(f"lr 0.5: b after one step {bias_after_one_step:.4f} (best b {best_b:.4f})")
print(f"lr 1.0: w ends at {bounce_end_w:.4f} (best {best_w:.4f}), b keeps missing by {bounce_size:.4f}")
print(f"Result: at lr 1.0 the loss stays {bounce_excess_loss:.4f} above the minimum")

# lr 0.1 is still on its way: b has settled, w is still creeping.
assert slow_distance > 0.2
assert abs(paths[0.1][-1, 1].item() - best_b) < 0.01 and abs(paths[0.1][-1, 0].item() - best_w) > 0.2
# lr 0.5 puts b on target in a single step, and it stays there.
assert abs(bias_after_one_step - best_b) < 1e-5
assert all((paths[0.5][1:, 1] - best_b).abs() < 1e-5)
# lr 1.0: w converges, while b jumps across the minimum every step by the same amount.
assert abs(bounce_end_w - best_w) < 1e-4
assert all(bias_offsets[1:] * bias_offsets[:-1] < 0)
torch.testing.assert_close(bias_offsets.abs(), torch.full_like(bias_offsets, bounce_size), atol=1e-4, rtol=0)
# So the loss never gets below the minimum plus the squared miss.
torch.testing.assert_close(bounce_excess_loss, bounce_size**2, rtol=1e-3, atol=1e-5)
