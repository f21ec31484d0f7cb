"""The whole of Module 1 in one function: a reusable training loop.

New here: the loop from posts 1.1-1.5 is wrapped in `train()`, which takes the
model, its parameters, the loss and the data as arguments, and is used on a
problem the series has not seen yet: fitting a parabola y = a*x^2 + b*x + c.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs
learning_rate = 0.5  # eta, the step size
num_epochs = 100  # full passes over the data

torch.manual_seed(0)


# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)
print(f"x: {tuple(x.shape)}, y: {tuple(y.shape)}")


# %% train_fn
def train(model_fn, params, loss_fn, data, learning_rate, num_epochs, print_every=0):
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
        if print_every and epoch % print_every == 0:
            print(f"epoch {epoch:3d} | loss {loss.item():.4f}")
    return losses


# %% model
def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error, written out by hand."""
    return ((y_pred - y) ** 2).mean()


torch.testing.assert_close(mse(x, y), torch.nn.functional.mse_loss(x, y))


# %% fit
initial = torch.randn(3)  # one random starting point, reused below
params = [initial[i].clone().requires_grad_() for i in range(3)]  # [a, b, c]
losses = train(quadratic, params, mse, (x, y), learning_rate, num_epochs, print_every=20)
fitted_a, fitted_b, fitted_c = (param.item() for param in params)
final_loss = losses[-1]
print(f"Result: a = {fitted_a:.3f}, b = {fitted_b:.3f}, c = {fitted_c:.3f}")
print(f"        true a = {true_a:.3f}, b = {true_b:.3f}, c = {true_c:.3f}")
assert final_loss < 1.5 * noise_std**2  # down to the noise floor
assert abs(fitted_a - true_a) < 0.1 and abs(fitted_b - true_b) < 0.1
assert abs(fitted_c - true_c) < 0.1

# %% check
# 1) The same loop with PyTorch's optimizer lands on the same numbers.
sgd_params = [initial[i].clone().requires_grad_() for i in range(3)]
optimizer = torch.optim.SGD(sgd_params, lr=learning_rate)
for epoch in range(num_epochs):
    optimizer.zero_grad()
    loss = mse(quadratic(x, sgd_params), y)
    loss.backward()
    optimizer.step()
torch.testing.assert_close(torch.stack(params), torch.stack(sgd_params))

# 2) Least squares solves this problem exactly: columns x^2, x, 1 (in float64,
#    so the reference is accurate well beyond float32's digits).
features = torch.stack([x**2, x, torch.ones_like(x)], dim=1).double()  # (N, 3)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
exact = torch.linalg.lstsq(features, y.double().unsqueeze(1), driver="gels").solution.squeeze(1)  # (3,)
exact_loss = mse(features @ exact, y.double()).item()
torch.testing.assert_close(torch.stack(params).detach(), exact.float(), atol=1e-3, rtol=0)
print(f"least squares: a = {exact[0]:.3f}, b = {exact[1]:.3f}, c = {exact[2]:.3f}")
final_gap = final_loss - exact_loss
print(f"loss gap to the exact optimum after {num_epochs} epochs: {final_gap:.1e}")
assert final_gap < 1e-6

# %% plot_fit
grid = torch.linspace(-1, 1, 100)
with torch.no_grad():
    fitted_curve = quadratic(grid, params)
fig, ax = plt.subplots()
ax.scatter(x, y, s=10, alpha=0.5, label="data")
ax.plot(grid, true_a * grid**2 + true_b * grid + true_c, "k--", label="true parabola")
ax.plot(grid, fitted_curve, "r", label="fitted by train()")
ax.set_title("A parabola fitted by the reusable loop")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
plt.show()

# %% plot_gap
gaps = torch.tensor(losses, dtype=torch.float64) - exact_loss  # (num_epochs,)
# Per-epoch shrink factor of the gap, measured over two separate stretches.
gap_factor = ((gaps[40] / gaps[20]) ** (1 / 20)).item()
later_gap_factor = ((gaps[80] / gaps[60]) ** (1 / 20)).item()
print(f"gap shrinks per epoch by x{gap_factor:.4f} (epochs 20-40), x{later_gap_factor:.4f} (60-80)")
assert abs(gap_factor - later_gap_factor) < 0.01  # a constant factor: a straight line

fig, ax = plt.subplots()
ax.plot(gaps)
ax.set_yscale("log")
ax.set_title("Distance from the best possible loss")
ax.set_xlabel("epoch")
ax.set_ylabel("loss - least-squares loss (log scale)")
plt.show()
