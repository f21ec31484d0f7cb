"""Fit a straight line with a hand-written training loop.

New in this lesson: the loss (mean squared error) and its gradients are derived
by hand and written out, so every step of the loop is visible. No autograd yet.
"""

import itertools

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings
true_w = 2.0  # slope of the line that generates the data
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 100  # number of data points
learning_rate = 0.1  # step size, eta in the math
num_epochs = 50  # passes over the data (each one is a single gradient step)

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1), evenly spaced in [-1, 1]
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)

fig, ax = plt.subplots()
ax.scatter(x.numpy(), y.numpy(), s=12)
ax.set_title("Synthetic data: y = 2x - 1 plus noise")
ax.set_xlabel("x")
ax.set_ylabel("y")
plt.show()

# %% init
w = torch.randn(1)  # (1,), a random starting slope
b = torch.randn(1)  # (1,), a random starting intercept
initial_w = w.item()
initial_b = b.item()
print(f"start: w = {initial_w:.4f}, b = {initial_b:.4f}")
assert initial_w < 0  # a bad guess: the starting slope even points the wrong way

# %% train
losses = []
for epoch in range(num_epochs):
    # forward
    y_pred = w * x + b  # (N, 1)
    # loss
    error = y_pred - y  # (N, 1)
    loss = (error**2).mean()
    losses.append(loss.item())
    # backward: the gradients derived by hand in the post
    grad_w = 2 * (error * x).mean()
    grad_b = 2 * error.mean()
    # update
    w -= learning_rate * grad_w
    b -= learning_rate * grad_b
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f} | w {w.item():7.4f} | b {b.item():7.4f}")


# %% result
@torch.no_grad()
def mse(w: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error of the line w * x + b on the whole data set."""
    return ((w * x + b - y) ** 2).mean().item()


initial_loss = losses[0]
final_loss = mse(w, b)
learned_w = w.item()
learned_b = b.item()
loss_drop = initial_loss / final_loss
slope_shortfall = true_w - learned_w
print(f"Result: loss {initial_loss:.4f} -> {final_loss:.4f}, w = {learned_w:.4f}, b = {learned_b:.4f}")
print(f"        true line: w = {true_w:.4f}, b = {true_b:.4f}")

assert len(losses) == num_epochs  # one recorded loss per epoch: the curve is never empty
assert all(later < earlier for earlier, later in itertools.pairwise(losses))  # falls every epoch
assert loss_drop > 100
assert abs(final_loss - noise_std**2) < 0.005  # down at the noise level ...
assert final_loss > noise_std**2  # ... and still just above it
assert abs(learned_b - true_b) < 0.02
assert 0.05 < slope_shortfall < 0.15  # the slope is close but still catching up

# %% plot_fit
fig, ax = plt.subplots()
ax.scatter(x.numpy(), y.numpy(), s=12, label="data")
ax.plot(x.numpy(), (true_w * x + true_b).numpy(), "k--", label="true line")
ax.plot(x.numpy(), (w * x + b).numpy(), color="tab:red", label="learned line")
ax.set_title("The learned line after 50 gradient steps")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
plt.show()

# %% plot_loss
fig, ax = plt.subplots()
ax.plot(range(num_epochs), losses, label="training loss")
ax.axhline(noise_std**2, color="gray", linestyle="--", label="noise variance (0.01)")
ax.set_yscale("log")
ax.set_title("MSE loss per epoch (log scale)")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss")
ax.legend()
plt.show()
