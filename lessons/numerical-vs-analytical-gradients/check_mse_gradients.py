"""Check the hand-derived MSE gradients of post 1.2 two ways: central differences and autograd.

New in this lesson: a gradient check. We take the formulas for dL/dw and dL/db that
post 1.2 derived by hand, and compare them with a numerical estimate (which needs no
calculus at all) and with PyTorch's autograd. We also see a buggy formula get caught.
"""

import torch

# Hyperparameters and data settings (the data of post 1.2)
true_w = 2.0  # slope of the line that generates the data
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 100  # number of data points
h = 1e-5  # central-difference step, near eps**(1/3) for float64 (finite_differences.py)
h_float32 = 1e-5  # the same step, used in float32 to show what goes wrong
learning_rate = 0.1  # for the buggy training run, as in post 1.2
num_epochs = 50  # as in post 1.2

torch.manual_seed(42)

# %% data
# Same draws as post 1.2: the data, then the random starting point of its loop.
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
w = torch.randn(1)  # (1,)
b = torch.randn(1)  # (1,)
x, y, w, b = x.double(), y.double(), w.double(), b.double()  # checks run in float64
print(f"checking the gradients at w = {w.item():.4f}, b = {b.item():.4f}")


# %% analytical
def mse(w, b, x, y):
    """Mean squared error of the line w * x + b on the data (x, y)."""
    error = w * x + b - y  # (N, 1)
    return (error**2).mean()


def loss_fn(w, b):
    return mse(w, b, x, y)


def hand_gradients(w, b):
    """dL/dw and dL/db as derived by hand in post 1.2."""
    error = w * x + b - y  # (N, 1)
    grad_w = 2 * (error * x).mean()
    grad_b = 2 * error.mean()
    return torch.stack([grad_w, grad_b])  # (2,)


analytical = hand_gradients(w, b)
print(f"hand-derived: dL/dw = {analytical[0]:.10f} | dL/db = {analytical[1]:.10f}")


# %% numerical
def numerical_gradients(loss_fn, params, h):
    """Central differences: nudge one parameter up and down, keep the others fixed."""
    grads = []
    for i in range(len(params)):
        up = [p.clone() for p in params]
        down = [p.clone() for p in params]
        up[i] += h
        down[i] -= h
        grads.append((loss_fn(*up) - loss_fn(*down)) / (2 * h))
    return torch.stack(grads)


numerical = numerical_gradients(loss_fn, [w, b], h)
print(f"numerical:    dL/dw = {numerical[0]:.10f} | dL/db = {numerical[1]:.10f}")


def relative_error(a, b):
    return ((a - b).norm() / torch.maximum(a.norm(), b.norm())).item()


rel_error_numerical = relative_error(analytical, numerical)
print(f"relative error, hand vs numerical: {rel_error_numerical:.1e}")
torch.testing.assert_close(analytical, numerical, rtol=1e-7, atol=1e-9)
assert rel_error_numerical < 1e-10

# %% autograd
w_leaf = w.clone().requires_grad_()
b_leaf = b.clone().requires_grad_()
loss = loss_fn(w_leaf, b_leaf)
loss.backward()
autograd = torch.cat([w_leaf.grad, b_leaf.grad])  # (2,)
print(f"autograd:     dL/dw = {autograd[0]:.10f} | dL/db = {autograd[1]:.10f}")
rel_error_autograd = relative_error(analytical, autograd)
print(f"relative error, hand vs autograd: {rel_error_autograd:.1e}")
torch.testing.assert_close(analytical, autograd)
assert rel_error_autograd < 1e-14


# %% buggy
# A plausible slip: treat x as a constant and pull it out of the average.
def buggy_gradients(w, b):
    error = w * x + b - y  # (N, 1)
    grad_w = 2 * error.mean() * x.mean()  # wrong: mean(e * x) is not mean(e) * mean(x)
    grad_b = 2 * error.mean()
    return torch.stack([grad_w, grad_b])


buggy = buggy_gradients(w, b)
rel_error_buggy = relative_error(buggy, numerical)
print(f"buggy:        dL/dw = {buggy[0]:.10f} | dL/db = {buggy[1]:.10f}")
print(f"relative error, buggy vs numerical: {rel_error_buggy:.1e}")
assert rel_error_buggy > 0.1
assert abs(buggy[0].item()) < 1e-6  # x is symmetric around 0 here, so mean(x) is ~0

# %% buggy_training
# The loop of post 1.2 with the buggy gradient: it runs, and w never moves.
w_buggy, b_buggy = w.clone(), b.clone()
buggy_losses = []
for epoch in range(num_epochs):
    # forward
    y_pred = w_buggy * x + b_buggy  # (N, 1)
    # loss
    loss = ((y_pred - y) ** 2).mean()
    buggy_losses.append(loss.item())
    # backward, with the buggy formula
    grad_w, grad_b = buggy_gradients(w_buggy, b_buggy)
    # update
    w_buggy -= learning_rate * grad_w
    b_buggy -= learning_rate * grad_b
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(
            f"epoch {epoch:3d} | loss {loss.item():.4f} | "
            f"w {w_buggy.item():7.4f} | b {b_buggy.item():7.4f}"
        )
buggy_final_loss = buggy_losses[-1]
assert abs(w_buggy.item() - w.item()) < 1e-6  # w stayed where it started
assert abs(b_buggy.item() - true_b) < 0.05  # b was learned
assert buggy_final_loss < buggy_losses[0]  # so the loss went down a little
assert buggy_final_loss > 100 * noise_std**2  # but stays far above the noise level


# %% float32
# The same check in float32 with the same h: round-off swamps the estimate.
def loss_fn_32(w, b):
    return mse(w, b, x.float(), y.float())


numerical_32 = numerical_gradients(loss_fn_32, [w.float(), b.float()], h_float32)
rel_error_float32 = relative_error(analytical, numerical_32.double())
print(f"float32 numerical: dL/dw = {numerical_32[0]:.10f} | dL/db = {numerical_32[1]:.10f}")
print(f"relative error, hand vs float32 numerical: {rel_error_float32:.1e}")
assert 1e-3 < rel_error_float32 < 1e-1  # wrong around the 2nd or 3rd digit
assert rel_error_float32 > 1e6 * rel_error_numerical

# %% result
print(
    f"Result: hand-derived gradients agree with central differences to {rel_error_numerical:.0e} "
    f"and with autograd to {rel_error_autograd:.0e}"
)
