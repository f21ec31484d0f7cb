"""Solutions to the exercises of the Module 1 recap, one cell per exercise."""

import math

import torch
import torch.nn.functional as F

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola from the post
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of examples in each generated data set
learning_rate = 0.5  # exercise 1: step size for train()
num_epochs = 200  # exercise 1: full passes over the data
finite_difference_step = 1e-4  # exercise 2: h in the central difference
batch_size = 20  # exercise 3: examples per mini-batch
val_learning_rate = 0.5  # exercise 4
val_epochs = 100  # exercise 4

torch.manual_seed(0)


# %% shared
def train(model_fn, params, loss_fn, data, learning_rate, num_epochs):
    """Full-batch gradient descent on `params`; returns the loss of every epoch."""
    x, y = data
    losses = []
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
    return losses


def fmt(values):
    """A tensor of a few numbers as one fixed-width line."""
    return " ".join(f"{v:+.6f}" for v in values.tolist())


def quadratic(x, params):
    """The parabola from the post: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


x = torch.rand(num_points) * 2 - 1  # (N,) the parabola data again
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)


# %% solution_1
# Two classes: Gaussian blobs centred at (-1, -1) and (+1, +1).
labels = (torch.arange(num_points) % 2).float()  # (N,) 0 or 1
points = torch.randn(num_points, 2) + (2 * labels - 1).unsqueeze(1)  # (N, 2)


def logistic(points, params):
    """Logits z = points @ w + b; sigmoid(z) is the probability of class 1."""
    w, b = params
    return points @ w + b


def binary_cross_entropy(logits, labels):
    """-[y log p + (1 - y) log(1 - p)] with p = sigmoid(z), in a stable form."""
    return (F.softplus(logits) - labels * logits).mean()


torch.testing.assert_close(
    binary_cross_entropy(points[:, 0], labels),
    F.binary_cross_entropy_with_logits(points[:, 0], labels),
)
params = [torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)]
class_losses = train(
    logistic, params, binary_cross_entropy, (points, labels), learning_rate, num_epochs
)
with torch.no_grad():
    accuracy = ((logistic(points, params) > 0).float() == labels).float().mean().item()
first_class_loss, last_class_loss = class_losses[0], class_losses[-1]
print(f"loss {first_class_loss:.4f} -> {last_class_loss:.4f} | accuracy {accuracy:.3f}")
assert abs(first_class_loss - math.log(2)) < 1e-6  # p = 0.5 for every point at the start
assert last_class_loss < 0.5 * first_class_loss and 0.85 < accuracy < 1.0

# %% solution_2
# Central differences in float64 against autograd, at a random point.
params = [torch.randn((), dtype=torch.float64, requires_grad=True) for _ in range(3)]
x64, y64 = x.double(), y.double()
mse(quadratic(x64, params), y64).backward()
autograd_grads = torch.stack([param.grad for param in params])

numerical_grads = torch.zeros(3, dtype=torch.float64)
with torch.no_grad():
    for i in range(3):
        shifted_up = [p + finite_difference_step * (j == i) for j, p in enumerate(params)]
        shifted_down = [p - finite_difference_step * (j == i) for j, p in enumerate(params)]
        loss_up = mse(quadratic(x64, shifted_up), y64)
        loss_down = mse(quadratic(x64, shifted_down), y64)
        numerical_grads[i] = (loss_up - loss_down) / (2 * finite_difference_step)
print(f"autograd  {fmt(autograd_grads)}")
print(f"numerical {fmt(numerical_grads)}")
torch.testing.assert_close(numerical_grads, autograd_grads, rtol=1e-7, atol=1e-9)

# %% solution_3
params = [torch.randn((), requires_grad=True) for _ in range(3)]
mse(quadratic(x, params), y).backward()
full_grad = torch.stack([param.grad.clone() for param in params])

# One epoch's worth of mini-batches, all gradients taken at the same parameters.
order = torch.randperm(num_points)
batch_grads = []
for start in range(0, num_points, batch_size):
    batch = order[start : start + batch_size]
    for param in params:
        param.grad = None
    mse(quadratic(x[batch], params), y[batch]).backward()
    batch_grads.append(torch.stack([param.grad for param in params]))
batch_grads = torch.stack(batch_grads)  # (num_batches, 3)
print(f"full-batch gradient       {fmt(full_grad)}")
print(f"mean of {len(batch_grads)} batch gradients {fmt(batch_grads.mean(dim=0))}")
print(f"first batch's gradient    {fmt(batch_grads[0])}")
torch.testing.assert_close(batch_grads.mean(dim=0), full_grad)
assert (batch_grads - full_grad).abs().max() > 0.1  # single batches are noisy


# %% solution_4
@torch.no_grad()
def evaluate(params, x, y):
    """Loss on held-out data: no graph is built, and a float comes back."""
    return mse(quadratic(x, params), y).item()


split = num_points * 3 // 4  # x is random, so this is a random 150 / 50 split
train_x, train_y, val_x, val_y = x[:split], y[:split], x[split:], y[split:]
params = [torch.zeros((), requires_grad=True) for _ in range(3)]
train_losses, val_losses = [], []
for epoch in range(val_epochs):
    val_losses.append(evaluate(params, val_x, val_y))  # at the same params as `loss`
    # forward
    y_pred = quadratic(train_x, params)
    # loss
    loss = mse(y_pred, train_y)
    # backward
    loss.backward()
    # update
    with torch.no_grad():
        for param in params:
            param -= val_learning_rate * param.grad
    # zero
    for param in params:
        param.grad.zero_()
    train_losses.append(loss.item())
    if epoch % 20 == 0 or epoch == val_epochs - 1:
        train_loss, val_loss = train_losses[-1], val_losses[-1]
        print(f"epoch {epoch:3d} | train loss {train_loss:.4f} | val loss {val_loss:.4f}")
final_val_loss = val_losses[-1]
true_curve_val_loss = mse(true_a * val_x**2 + true_b * val_x + true_c, val_y).item()
print(f"Result: held-out loss {final_val_loss:.4f}, true parabola's {true_curve_val_loss:.4f}")
assert all(isinstance(value, float) for value in val_losses)
assert final_val_loss < 1.1 * true_curve_val_loss  # within 10% of the true curve
