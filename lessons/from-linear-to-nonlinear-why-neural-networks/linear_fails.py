"""The module-1 model, a line (or a flat plane), on three data sets no line can fit."""

import math

import matplotlib.pyplot as plt
import torch

from common import (
    N,
    sine_noise_variance,
    accuracy,
    cross_entropy,
    linear,
    make_moons,
    make_sine,
    make_xor,
    mse,
    train,
)

learning_rate: float = 0.5  # the linear models below are stable at this rate
sine_steps: int = 300  # enough for the line: it reaches least squares (checked below)
num_steps: int = 3000  # logistic regression needs longer to settle (checked below)

# %% fit
results: dict[str, list[torch.Tensor]] = {}
x_sine, y_sine = make_sine(N, seed=0)
params = [torch.zeros(1, requires_grad=True), torch.zeros((), requires_grad=True)]  # w, b
sine_losses = train(linear, params, mse, x_sine, y_sine, 0.1, sine_steps)
results["sine"] = params
for name, make in [("xor", make_xor), ("moons", make_moons)]:
    x, y = make(N, seed=0)
    params = [torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)]
    train(linear, params, cross_entropy, x, y, learning_rate, num_steps)  # logistic regression
    results[name] = params
x_xor, y_xor = make_xor(N, seed=0)
x_moons, y_moons = make_moons(N, seed=0)
with torch.no_grad():
    line_loss: float = mse(linear(x_sine, results["sine"]), y_sine).item()
    xor_loss: float = cross_entropy(linear(x_xor, results["xor"]), y_xor).item()
    xor_accuracy: float = accuracy(linear(x_xor, results["xor"]), y_xor).item()
    moons_loss: float = cross_entropy(linear(x_moons, results["moons"]), y_moons).item()
    moons_accuracy: float = accuracy(linear(x_moons, results["moons"]), y_moons).item()
print(f"sine : training MSE {line_loss:.4f}  (noise variance {sine_noise_variance:.2f})")
print(
    f"xor  : training cross-entropy {xor_loss:.4f}  (log 2 = {math.log(2):.4f})"
    f"  training accuracy {xor_accuracy:.3f}"
)
print(f"moons: training cross-entropy {moons_loss:.4f}  training accuracy {moons_accuracy:.3f}")

# %% floor
# Is that the model's best, or did the loop stop early? For the MSE, least squares gives L*.
Phi: torch.Tensor = torch.cat([x_sine, torch.ones(N, 1)], dim=1)  # (N, 2): rows (x_i, 1)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
theta_star = torch.linalg.lstsq(Phi, y_sine.unsqueeze(1), driver="gels").solution[:, 0]
best_line_loss: float = mse(Phi @ theta_star, y_sine).item()
print(f"best line L* = {best_line_loss:.4f}, the loop reached {line_loss:.4f}")
# Cross-entropy has no formula. Continue both runs for as many steps again: if the loss
# does not move, the loop has settled.
moved: dict[str, float] = {}
for name, x, y, loss in [("xor", x_xor, y_xor, xor_loss), ("moons", x_moons, y_moons, moons_loss)]:
    longer = train(linear, results[name], cross_entropy, x, y, learning_rate, num_steps)
    moved[name] = abs(longer[-1] - loss)
    print(f"{name:5s}: after {2 * num_steps} steps, {longer[-1]:.4f}: changed by {moved[name]:.1e}")
max_moved: float = max(moved.values())
assert max_moved < 1e-5  # the second half of the run changed nothing: these are the floors
coin_flip_loss: float = math.log(2)  # the cross-entropy of answering p-hat = 1/2 everywhere
sine_variance: float = y_sine.var(correction=0).item()  # the MSE of the flat line y = mean(y)
line_explains: float = 1 - best_line_loss / sine_variance  # share of y's variance the line explains
assert abs(line_loss - best_line_loss) < 1e-4  # the loop found the best line ...
assert line_explains < 0.2  # ... and it explains less than a fifth of y's spread
assert best_line_loss > 30 * sine_noise_variance  # and it sits far above the noise floor
assert xor_loss > 0.99 * coin_flip_loss  # XOR: no better than a coin flip, in loss ...
assert 0.4 < xor_accuracy < 0.6  # ... and in accuracy
assert 0.8 < moons_accuracy < 0.92  # moons: good, but a line cannot get the tips right

# %% plot
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
grid = torch.linspace(-3, 3, 200).unsqueeze(1)
axes[0].scatter(x_sine[:, 0], y_sine, s=8, color="gray", label="data")
with torch.no_grad():
    axes[0].plot(grid[:, 0], linear(grid, results["sine"]), color="tab:red", label="best line")
axes[0].set_title(f"Sine: best line, training MSE {line_loss:.3f}")
axes[0].set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].legend()
for ax, name, x, y, acc in [
    (axes[1], "xor", x_xor, y_xor, xor_accuracy),
    (axes[2], "moons", x_moons, y_moons, moons_accuracy),
]:
    w, b = (p.detach() for p in results[name])
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=10)
    xs = torch.linspace(x[:, 0].min().item(), x[:, 0].max().item(), 2)
    ax.plot(xs, -(w[0] * xs + b) / w[1], color="black", label="boundary w . x + b = 0")
    ax.set_ylim(x[:, 1].min().item() - 0.3, x[:, 1].max().item() + 0.3)
    ax.set_title(
        f"{name.upper() if name == 'xor' else 'Two moons'}: logistic regression,\ntraining accuracy {acc:.0%}"
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="lower left")
fig.tight_layout()
plt.show()
