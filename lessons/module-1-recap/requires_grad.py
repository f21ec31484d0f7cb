"""Pitfall 2: parameters created without requires_grad=True.

New here: nothing but one missing argument. Autograd only records operations on
tensors that ask for it; if no parameter does, the loss has no graph behind it
and `loss.backward()` has nothing to differentiate.
"""

import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs

torch.manual_seed(0)

# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)


def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


# %% fixed
params = [torch.randn(()).requires_grad_() for _ in range(3)]  # a, b, c: tracked
loss = mse(quadratic(x, params), y)
print(f"loss.requires_grad = {loss.requires_grad}, loss.grad_fn = {loss.grad_fn.name()}")
loss.backward()

# Autograd's answer agrees with the derivatives written by hand, as in 1.2.
with torch.no_grad():
    residual = quadratic(x, params) - y  # (N,)
    by_hand = torch.stack(
        [(2 * residual * x**2).mean(), (2 * residual * x).mean(), (2 * residual).mean()]
    )
torch.testing.assert_close(torch.stack([param.grad for param in params]), by_hand)
print(f"gradients [dL/da, dL/db, dL/dc] = {[round(param.grad.item(), 4) for param in params]}")
assert loss.requires_grad and all(param.grad is not None for param in params)

# %% broken tags=["raises-exception"]
params = [torch.randn(()) for _ in range(3)]  # a, b, c: requires_grad defaults to False
loss = mse(quadratic(x, params), y)
print(f"loss.requires_grad = {loss.requires_grad}, loss.grad_fn = {loss.grad_fn}")
loss.backward()
