"""Pitfall 1: a learning rate that is too large or too small.

New here: the step-size limit eta < 2 / lambda_max is computed for the parabola
problem from its Hessian, and four learning rates are run around it: one that
crawls, one that converges smoothly, one that bounces, and one that diverges.
"""

import math

import matplotlib.pyplot as plt
import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs
learning_rates = {"too small": 0.02, "good": 0.5, "bounces": 0.85, "too large": 0.95}
num_epochs = 100  # full passes over the data, the same for every run

torch.manual_seed(0)

# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)
initial = torch.randn(3)  # the same starting point for every run


def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


def train(model_fn, params, loss_fn, data, learning_rate, num_epochs):
    """Full-batch gradient descent; returns the losses and the history of c."""
    x, y = data
    losses, c_history = [], [params[2].item()]
    for epoch in range(num_epochs):
        # forward
        y_pred = model_fn(x, params)
        # loss
        loss = loss_fn(y_pred, y)
        # backward
        loss.backward()
        # update
        with torch.no_grad():
            for param in params:
                param -= learning_rate * param.grad
        # zero
        for param in params:
            param.grad.zero_()
        losses.append(loss.item())
        c_history.append(params[2].item())
    return losses, c_history


# %% limit
# The MSE of a linear-in-parameters model has a constant Hessian: (2/N) F^T F.
features = torch.stack([x**2, x, torch.ones_like(x)], dim=1)  # (N, 3)
hessian = 2 / num_points * features.T @ features  # (3, 3)
torch.testing.assert_close(
    hessian,
    torch.autograd.functional.hessian(lambda p: mse(quadratic(x, p), y), initial),
)
eigenvalues = torch.linalg.eigvalsh(hessian)  # ascending
lambda_max = eigenvalues[-1].item()
lr_limit = 2 / lambda_max
print(f"Hessian eigenvalues: {[round(v, 4) for v in eigenvalues.tolist()]}")
print(f"largest eigenvalue {lambda_max:.4f} -> learning rate limit 2/lambda = {lr_limit:.4f}")
assert learning_rates["bounces"] < lr_limit < learning_rates["too large"]

# %% sweep
runs = {}
for name, learning_rate in learning_rates.items():
    params = [initial[i].clone().requires_grad_() for i in range(3)]
    runs[name] = train(quadratic, params, mse, (x, y), learning_rate, num_epochs)
    print(f"{name:>9} | lr {learning_rate:.2f} | final loss {runs[name][0][-1]:.4g}")

initial_loss = runs["good"][0][0]
final_losses = {name: losses[-1] for name, (losses, _) in runs.items()}
assert final_losses["too large"] > 1e3 * initial_loss  # diverged
assert final_losses["good"] < 1.5 * noise_std**2  # reached the noise floor
assert final_losses["too small"] > 4 * final_losses["good"]  # still crawling
assert final_losses["bounces"] < 1.5 * noise_std**2  # bounced, but got there
loss_too_small, loss_good = final_losses["too small"], final_losses["good"]
loss_bounces, loss_too_large = final_losses["bounces"], final_losses["too large"]
crawl_ratio = loss_too_small / loss_good

# Diverging, the loss grows by (1 - lr * lambda_max)^2 per epoch: a straight line on a log scale.
diverging = runs["too large"][0]
growth_factor = (diverging[-1] / diverging[-11]) ** (1 / 10)
predicted_growth = (1 - learning_rates["too large"] * lambda_max) ** 2
print(f"too large: loss grows x{growth_factor:.4f} per epoch, predicted x{predicted_growth:.4f}")
assert abs(growth_factor - predicted_growth) < 0.01 * predicted_growth


# %% rate
# Near the minimum the gap to the best loss shrinks by (1 - lr * lambda)^2 per
# epoch along each eigen-direction; the smallest eigenvalue sets the pace.
features64, y64 = features.double(), y.double()  # float64 for an accurate reference
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
exact = torch.linalg.lstsq(features64, y64.unsqueeze(1), driver="gels").solution.squeeze(1)  # (3,)
exact_loss = mse(features64 @ exact, y64).item()
lambda_min = eigenvalues[0].item()
gaps = torch.tensor(runs["good"][0], dtype=torch.float64) - exact_loss
measured_factor = ((gaps[40] / gaps[20]) ** (1 / 20)).item()
predicted_factor = (1 - learning_rates["good"] * lambda_min) ** 2
crawl_factor = (1 - learning_rates["too small"] * lambda_min) ** 2
print(f"good lr: gap factor per epoch {measured_factor:.4f}, predicted {predicted_factor:.4f}")
assert abs(measured_factor - predicted_factor) < 0.005

# Epochs to shrink the gap a thousandfold at each rate, then check the slow one.
epochs_good = math.ceil(math.log(1e-3) / math.log(predicted_factor))
epochs_crawl = math.ceil(math.log(1e-3) / math.log(crawl_factor))
params = [initial[i].clone().requires_grad_() for i in range(3)]
long_losses, _ = train(quadratic, params, mse, (x, y), learning_rates["too small"], epochs_crawl)
start_gap = long_losses[0] - exact_loss
long_gap = mse(quadratic(x, params), y).item() - exact_loss
print(f"epochs for a 1000x smaller gap: good {epochs_good}, too small {epochs_crawl}")
print(f"too small after {epochs_crawl} epochs: gap shrank x{start_gap / long_gap:.0f}")
assert long_gap < 1e-3 * start_gap


# %% plot_losses
fig, ax = plt.subplots()
for name, (losses, _) in runs.items():
    ax.plot(losses, label=f"{name} (lr = {learning_rates[name]})")
ax.set_yscale("log")
ax.set_ylim(top=1e6)
ax.set_title("One problem, four learning rates")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss (log scale)")
ax.legend()
plt.show()


# %% plot_bounce
def direction_changes(history):
    """How often consecutive steps move the parameter in opposite directions."""
    steps = torch.tensor(history).diff()
    return int((steps[1:] * steps[:-1] < 0).sum())


num_shown = 25
fig, ax = plt.subplots()
for name in ["good", "bounces"]:
    ax.plot(runs[name][1][:num_shown], marker="o", label=f"{name} (lr = {learning_rates[name]})")
ax.set_title("The intercept c during the first epochs")
ax.set_xlabel("epoch")
ax.set_ylabel("c")
ax.legend()
plt.show()

good_turns = direction_changes(runs["good"][1][:num_shown])
bounce_turns = direction_changes(runs["bounces"][1][:num_shown])
print(f"direction changes of c in {num_shown} epochs: good {good_turns}, bounces {bounce_turns}")
assert bounce_turns > 15 and good_turns < 3

# Along the steepest direction, one step multiplies the error by 1 - lr * lambda_max.
steep_factor_good = 1 - learning_rates["good"] * lambda_max
steep_factor_bounce = 1 - learning_rates["bounces"] * lambda_max
print(f"1 - lr * lambda_max: good {steep_factor_good:+.3f}, bounces {steep_factor_bounce:+.3f}")
assert -0.2 < steep_factor_good < 0 and -1 < steep_factor_bounce < -0.9
