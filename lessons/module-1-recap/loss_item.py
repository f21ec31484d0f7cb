"""Pitfall 5: recording `loss` instead of `loss.item()`.

New here: the bookkeeping line of the loop. `loss` is a tensor attached to the
graph that produced it; keeping it keeps that graph, and NumPy and matplotlib
refuse tensors that require grad. `loss.item()` is a plain Python float.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs
learning_rate = 0.5  # step size
num_epochs = 100  # full passes over the data

torch.manual_seed(0)

# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)
initial = torch.randn(3)  # the same starting point for both runs


def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


def train(record):
    """The usual loop; `record` turns each epoch's loss into what gets kept."""
    params = [initial[i].clone().requires_grad_() for i in range(3)]
    history = []
    for epoch in range(num_epochs):
        # forward
        y_pred = quadratic(x, params)
        # loss
        loss = mse(y_pred, y)
        # backward
        loss.backward()
        # update
        with torch.no_grad():
            for param in params:
                param -= learning_rate * param.grad
        # zero
        for param in params:
            param.grad.zero_()
        history.append(record(loss))
    return history


# %% record_tensor
def count_graph_nodes(tensor):
    """How many autograd nodes can be reached from `tensor.grad_fn`."""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


recorded = train(record=lambda loss: loss)  # the bug: the tensor itself
print(f"recorded[0]  = {recorded[0]!r}")
print(f"recorded[-1] = {recorded[-1]!r}")
assert all(entry.requires_grad and entry.grad_fn is not None for entry in recorded)
nodes_per_entry = count_graph_nodes(recorded[0])
print(f"autograd nodes kept alive by each entry: {nodes_per_entry}")
assert nodes_per_entry > 1
assert all(count_graph_nodes(entry) == nodes_per_entry for entry in recorded)

total = sum(recorded)  # aggregating them builds yet more graph on top
print(f"sum(recorded) = {total!r}")
assert total.grad_fn is not None

# %% saved_tensors
# backward() already freed the buffers those graphs saved. A tensor you never call
# backward() on keeps them, e.g. a loss evaluated outside torch.no_grad():
params = [initial[i].clone().requires_grad_() for i in range(3)]
eval_loss = mse(quadratic(x, params), y)
saved_residual = eval_loss.grad_fn.next_functions[0][0]._saved_self  # y_pred - y
print(f"eval_loss = {eval_loss!r} keeps a saved tensor of shape {tuple(saved_residual.shape)}")
torch.testing.assert_close(saved_residual, quadratic(x, initial) - y)
with torch.no_grad():
    eval_loss = mse(quadratic(x, params), y)
print(f"under torch.no_grad(): {eval_loss!r}, grad_fn = {eval_loss.grad_fn}")
assert eval_loss.grad_fn is None

# %% record_item
losses = train(record=lambda loss: loss.item())  # the fix: a Python float
print(f"losses[0] = {losses[0]!r}, losses[-1] = {losses[-1]!r}")
assert all(isinstance(value, float) for value in losses)
mean_last_10 = np.mean(losses[-10:])
print(f"Result: mean loss over the last 10 epochs {mean_last_10:.4f}")

fig, ax = plt.subplots()
ax.plot(losses)
ax.set_yscale("log")
ax.set_title("Recorded with loss.item(): plots without complaint")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss (log scale)")
plt.show()

# %% more_checks
# Plotting the list fails the same way: matplotlib converts it to an array first.
try:
    plt.plot(recorded)
except RuntimeError as error:
    plot_error = str(error)
else:
    raise AssertionError("plotting tensors that require grad was expected to fail")
plt.close("all")
assert "requires grad" in plot_error

# The recorded losses went through backward(), which freed their saved tensors.
try:
    _ = recorded[0].grad_fn.next_functions[0][0]._saved_self
except RuntimeError as error:
    assert "freed" in str(error)
else:
    raise AssertionError("backward() was expected to free the saved residuals")

# %% aggregate_tensors tags=["raises-exception"]
mean_of_tensors = np.mean(recorded[-10:])  # average loss over the last ten epochs
