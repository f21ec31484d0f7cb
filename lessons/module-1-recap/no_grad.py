"""Pitfall 4: updating the parameters outside torch.no_grad().

New here: the update step, without its `with torch.no_grad():` line. Autograd
records every operation on a tensor that requires grad, and it refuses to record
an in-place change to a parameter it may still need. The update is not part of
the model, so it must not be recorded at all.
"""

import warnings

import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs
learning_rate = 0.5  # step size

torch.manual_seed(0)

# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)
initial = torch.randn(3)  # the same starting point for every attempt


def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


def fresh_params_with_grads():
    """Parameters at the starting point, after one forward and backward pass."""
    params = [initial[i].clone().requires_grad_() for i in range(3)]
    mse(quadratic(x, params), y).backward()
    return params


# %% fixed
params = fresh_params_with_grads()
with torch.no_grad():
    for param in params:
        param -= learning_rate * param.grad  # in place, not recorded
print(f"is_leaf: {[param.is_leaf for param in params]}")
print(f"grad_fn: {[param.grad_fn for param in params]}")
assert all(param.is_leaf and param.grad_fn is None for param in params)

# %% rebind
params = fresh_params_with_grads()
params = [param - learning_rate * param.grad for param in params]  # no error, but...
print(f"is_leaf: {[param.is_leaf for param in params]}")
print(f"grad_fn: {[param.grad_fn.name() for param in params]}")
assert not any(param.is_leaf for param in params)

mse(quadratic(x, params), y).backward()  # the next step's backward pass
with warnings.catch_warnings(record=True) as caught:  # reading .grad of a non-leaf warns
    warnings.simplefilter("always")
    next_grads = [param.grad for param in params]
print(f"grad after the next backward: {next_grads}")
print(f"PyTorch's warning: {str(caught[0].message).split('. ')[0]}.")
assert all(grad is None for grad in next_grads)

# %% broken tags=["raises-exception"]
params = fresh_params_with_grads()
for param in params:
    param -= learning_rate * param.grad  # recorded by autograd: refused
