"""Fit a straight line with a hand-written training loop: no autograd, every step visible."""

import itertools

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings
true_w: float = 2.0  # slope of the line that generates the data
true_b: float = -1.0  # intercept of that line
noise_std: float = 0.1  # standard deviation of the noise added to each y
N: int = 100  # number of data points
learning_rate: float = 0.1  # step size, eta in the math
num_epochs: int = 50  # passes over the data (each one is a single gradient step)

torch.manual_seed(42)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1), evenly spaced in [-1, 1]
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
w: torch.Tensor = torch.randn(1)  # a random starting slope ...
b: torch.Tensor = torch.randn(1)  # ... and intercept: a deliberately bad first guess
initial_w: float = w.item()
initial_b: float = b.item()

# %% train
losses: list[float] = []
for epoch in range(num_epochs):
    # forward
    y_pred = w * x + b  # (N, 1)
    # loss
    error = y_pred - y  # (N, 1), the residuals r_i
    loss = (error**2).mean()
    losses.append(loss.item())  # every epoch, not only the printed ones
    if epoch % 10 == 0 or epoch == num_epochs - 1:  # the loss, and the w and b that produced it
        print(f"epoch {epoch:2d} | loss {loss.item():.4f} | w {w.item():7.4f} | b {b.item():7.4f}")
    # backward: the two gradients derived by hand
    grad_w = 2 * (error * x).mean()
    grad_b = 2 * error.mean()
    # update
    w -= learning_rate * grad_w
    b -= learning_rate * grad_b
final_loss: float = ((w * x + b - y) ** 2).mean().item()  # the loss of the line after the last update
print(f"after {num_epochs} epochs | loss {final_loss:.4f} | w {w.item():7.4f} | b {b.item():7.4f}")

# %% checks
assert initial_w < 0  # the starting slope even points the wrong way
initial_loss: float = losses[0]
# The best loss any line reaches on these points: least squares on the columns [x, 1] (exercise 3).
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
Phi: torch.Tensor = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
best_w, best_b = torch.linalg.lstsq(Phi, y, driver="gels").solution.flatten().tolist()
best_loss: float = ((best_w * x + best_b - y) ** 2).mean().item()
learned_w: float = w.item()
learned_b: float = b.item()
assert len(losses) == num_epochs  # one loss per epoch: the curve is never empty
assert all(later < earlier for earlier, later in itertools.pairwise(losses))  # falls every epoch
assert initial_loss / final_loss > 100
assert best_loss < final_loss < best_loss + 0.005  # just above the best possible loss
assert all(loss > best_loss for loss in losses)  # the curve never crosses L*
noise_variance: float = noise_std**2
assert best_loss < noise_variance < best_loss + 0.001  # L* is close to the noise variance, but below it
assert abs(learned_b - true_b) < 0.02  # the intercept is right ...
assert 0.05 < true_w - learned_w < 0.15  # ... the slope is still catching up

# %% plot
fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
ax_fit.scatter(x.numpy(), y.numpy(), s=10, color="gray", label="data")
ax_fit.plot(x.numpy(), (true_w * x + true_b).numpy(), "k--", label="true line y = 2x - 1")
ax_fit.plot(x.numpy(), (w * x + b).numpy(), color="tab:orange", label="learned line")
ax_fit.set_title("The line after 50 epochs at lr 0.1")
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.legend()
ax_loss.plot(range(num_epochs), losses, label="training loss")
ax_loss.axhline(best_loss, color="gray", linestyle="--", label=f"best loss L* = {best_loss:.4f}")
ax_loss.set_yscale("log")
ax_loss.set_title("MSE loss per epoch (log scale)")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("MSE loss")
ax_loss.legend()
fig.tight_layout()
plt.show()
