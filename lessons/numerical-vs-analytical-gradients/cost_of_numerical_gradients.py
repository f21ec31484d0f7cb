"""Train with numerical gradients, and count what it costs.

New in this lesson: the gradient in the training loop comes from central differences
instead of calculus. It works, and lands on the same parameters as autograd, but every
step needs two loss evaluations per parameter. We count them.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings
num_features = 20  # inputs per example, so the model has num_features + 1 parameters
N = 200  # number of examples
noise_std = 0.1  # standard deviation of the noise added to each y
learning_rate = 0.1  # step size, eta in the math
num_epochs = 100  # full-batch gradient steps
h = 1e-5  # central-difference step for float64
feature_counts = [1, 10, 100, 1000]  # model sizes for the counting table

torch.manual_seed(0)

# %% data
X = torch.rand(N, num_features, dtype=torch.float64) * 2 - 1  # (N, features)
true_w = torch.randn(num_features, dtype=torch.float64)  # (features,)
true_b = 0.5
y = X @ true_w + true_b + noise_std * torch.randn(N, dtype=torch.float64)  # (N,)
initial_params = torch.zeros(num_features + 1, dtype=torch.float64)  # w then b
num_params = initial_params.numel()
print(f"{N} examples, {num_features} features, {num_params} parameters")

# %% counting
passes = {"forward": 0, "backward": 0}  # every pass over the data, counted


def loss_fn(params, X, y):
    """MSE of a linear model; params holds the weights followed by the bias."""
    passes["forward"] += 1
    w, b = params[:-1], params[-1]
    return ((X @ w + b - y) ** 2).mean()


def numerical_gradient(loss_fn, params, X, y, h):
    """Central difference along each parameter in turn: 2 loss evaluations each."""
    grad = torch.zeros_like(params)
    for i in range(params.numel()):
        step = torch.zeros_like(params)
        step[i] = h
        grad[i] = (loss_fn(params + step, X, y) - loss_fn(params - step, X, y)) / (2 * h)
    return grad


# %% train_numerical
params = initial_params.clone()
losses_numerical, passes_numerical = [], []
for epoch in range(num_epochs):
    # forward + loss
    loss = loss_fn(params, X, y)
    # backward, numerically: no calculus, 2 * num_params more forward passes
    grad = numerical_gradient(loss_fn, params, X, y, h)
    # update
    params = params - learning_rate * grad
    losses_numerical.append(loss.item())
    passes_numerical.append(passes["forward"] + passes["backward"])
    if epoch % 25 == 0 or epoch == num_epochs - 1:
        print(
            f"epoch {epoch:3d} | loss {loss.item():.4f} | passes so far {passes_numerical[-1]:5d}"
        )
params_numerical = params
passes_per_step_numerical = passes_numerical[-1] // num_epochs

# %% train_autograd
passes = {"forward": 0, "backward": 0}
params = initial_params.clone().requires_grad_()
losses_autograd, passes_autograd = [], []
for epoch in range(num_epochs):
    # forward + loss
    loss = loss_fn(params, X, y)
    # backward: one pass of autograd gives every partial derivative at once
    loss.backward()
    passes["backward"] += 1
    # update
    with torch.no_grad():
        params -= learning_rate * params.grad
    params.grad = None
    losses_autograd.append(loss.item())
    passes_autograd.append(passes["forward"] + passes["backward"])
    if epoch % 25 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f} | passes so far {passes_autograd[-1]:5d}")
params_autograd = params.detach()
passes_per_step_autograd = passes_autograd[-1] // num_epochs

# %% compare
final_loss = losses_autograd[-1]
cost_ratio = passes_per_step_numerical / passes_per_step_autograd
torch.testing.assert_close(params_numerical, params_autograd)
assert abs(losses_numerical[-1] - final_loss) < 1e-9
assert passes_per_step_numerical == 2 * num_params + 1
assert passes_per_step_autograd == 2
print(
    f"passes per step: numerical {passes_per_step_numerical} | autograd {passes_per_step_autograd}"
)
print(f"Result: same parameters, same final loss {final_loss:.4f}, at {cost_ratio:.1f}x the passes")

fig, ax = plt.subplots()
ax.loglog(passes_autograd, losses_autograd, label="autograd")
ax.loglog(passes_numerical, losses_numerical, linestyle="--", label="central differences")
ax.set_title(f"Same descent, different price ({num_params} parameters)")
ax.set_xlabel("passes over the data so far (forward or backward)")
ax.set_ylabel("MSE loss (log scale)")
ax.legend(loc="lower left")
plt.show()

# %% scaling
print("parameters | numerical: forward passes | autograd: forward + backward passes")
for count in feature_counts:
    X_big = torch.rand(N, count, dtype=torch.float64)  # (N, count)
    y_big = torch.rand(N, dtype=torch.float64)  # (N,)
    params_big = torch.zeros(count + 1, dtype=torch.float64, requires_grad=True)
    passes = {"forward": 0, "backward": 0}
    with torch.no_grad():
        numerical_gradient(loss_fn, params_big, X_big, y_big, h)
    numerical_count = passes["forward"]
    passes = {"forward": 0, "backward": 0}
    loss_fn(params_big, X_big, y_big).backward()
    passes["backward"] += 1
    autograd_count = passes["forward"] + passes["backward"]
    assert numerical_count == 2 * (count + 1)
    assert autograd_count == 2
    print(f"{count + 1:10d} | {numerical_count:24d} | {autograd_count:34d}")
