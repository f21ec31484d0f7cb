"""Check the hand-derived MSE gradients of post 1.2 with central differences and autograd.

New in this lesson: a gradient check. We compare the formulas for dL/dw and dL/db that
post 1.2 derived by hand with a numerical estimate (no calculus at all) and with
autograd, then watch the check catch a buggy formula that training would not.
"""

import statistics
from collections.abc import Callable

import torch

# Hyperparameters and data settings (the data of post 1.2)
true_w = 2.0  # slope of the line that generates the data
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 100  # number of data points
h = 1e-5  # central-difference step, near eps ** (1/3) for float64 (finite_differences.py)
learning_rate = 0.1  # for the buggy training run, as in post 1.2
num_epochs = 50  # as in post 1.2

LossFn = Callable[[torch.Tensor], torch.Tensor]  # parameters -> loss

torch.manual_seed(42)

# %% data
# Same draws as post 1.2: the data, then the random starting point of its loop.
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
theta: torch.Tensor = torch.cat([torch.randn(1), torch.randn(1)])  # (w, b), as post 1.2 drew them
x, y, theta = x.double(), y.double(), theta.double()  # checks run in float64


# %% analytical
def loss_fn(theta: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the line w * x + b on the data."""
    w, b = theta
    return ((w * x + b - y) ** 2).mean()


def hand_gradients(theta: torch.Tensor) -> torch.Tensor:
    """dL/dw and dL/db as derived by hand in post 1.2."""
    w, b = theta
    error = w * x + b - y  # (N, 1)
    return torch.stack([2 * (error * x).mean(), 2 * error.mean()])  # (2,)


# %% numerical
def numerical_gradient(loss_fn: LossFn, theta: torch.Tensor, h: float) -> torch.Tensor:
    """Central differences: nudge one parameter up and down by h, keep the others fixed."""
    grad = torch.zeros_like(theta)
    for j in range(theta.numel()):
        step = torch.zeros_like(theta)
        step[j] = h
        grad[j] = (loss_fn(theta + step) - loss_fn(theta - step)) / (2 * h)
    return grad


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / torch.maximum(a.norm(), b.norm())).item()


analytical = hand_gradients(theta)
numerical = numerical_gradient(loss_fn, theta, h)
rel_error_numerical = relative_error(analytical, numerical)
# round-off predicts an absolute error of about eps * L / h (no truncation: L is quadratic);
# divided by the gradient's length, that is the relative error it predicts
predicted = torch.finfo(torch.float64).eps * loss_fn(theta).item() / h / analytical.norm().item()
print(f"hand-derived: dL/dw = {analytical[0]:.10f} | dL/db = {analytical[1]:.10f}")
print(f"numerical:    dL/dw = {numerical[0]:.10f} | dL/db = {numerical[1]:.10f}")
print(f"relative error {rel_error_numerical:.1e} | round-off estimate {predicted:.0e}")
torch.testing.assert_close(analytical, numerical, rtol=1e-7, atol=1e-9)
assert rel_error_numerical < predicted < 1e-9

# %% autograd
leaf = theta.clone().requires_grad_()
loss_fn(leaf).backward()
assert leaf.grad is not None  # set by backward()
rel_error_autograd = relative_error(analytical, leaf.grad)
print(f"autograd:     dL/dw = {leaf.grad[0]:.10f} | dL/db = {leaf.grad[1]:.10f}")
print(f"relative error {rel_error_autograd:.1e}")
assert rel_error_autograd < 1e-14


# %% buggy
def buggy_gradients(theta: torch.Tensor) -> torch.Tensor:
    w, b = theta
    error = w * x + b - y  # (N, 1)
    grad_w = 2 * error.mean() * x.mean()  # bug: mean(e * x) is not mean(e) * mean(x)
    return torch.stack([grad_w, 2 * error.mean()])


rel_error_buggy = relative_error(buggy_gradients(theta), numerical)
print(f"relative error, buggy vs numerical: {rel_error_buggy:.2f}")
assert rel_error_buggy > 0.1

# %% buggy_training
# The loop of post 1.2 with the buggy gradient: no error, and w never moves.
theta_buggy = theta.clone()
buggy_losses: list[float] = []
for _ in range(num_epochs):
    loss = loss_fn(theta_buggy)  # forward + loss
    buggy_losses.append(loss.item())
    theta_buggy -= learning_rate * buggy_gradients(theta_buggy)  # backward (buggy) + update
buggy_final_loss = buggy_losses[-1]
# L*, the floor of post 1.2: the best loss any line reaches on this data (least squares)
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
best_loss = loss_fn(torch.linalg.lstsq(features, y, driver="gels").solution.flatten()).item()
print(
    f"after {num_epochs} epochs: w {theta_buggy[0]:.4f} (start {theta[0]:.4f}) | "
    f"b {theta_buggy[1]:.4f} | loss {buggy_final_loss:.2f} | L* {best_loss:.4f}"
)
assert abs(theta_buggy[0] - theta[0]) < 1e-6  # x is symmetric around 0, so mean(x) = 0
assert abs(theta_buggy[1] - true_b) < 0.05  # b was learned
assert buggy_final_loss < buggy_losses[0]  # the loss went down a little
loss_over_best = buggy_final_loss / best_loss
assert loss_over_best > 100  # but stays far above L*


# %% float32
# The same check in float32 with the same h: round-off swamps the estimate.
def loss_fn_32(theta: torch.Tensor) -> torch.Tensor:
    w, b = theta
    return ((w * x.float() + b - y.float()) ** 2).mean()


numerical_32 = numerical_gradient(loss_fn_32, theta.float(), h)
rel_error_float32 = relative_error(analytical, numerical_32.double())
print(f"float32 numerical: dL/dw = {numerical_32[0]:.10f} | dL/db = {numerical_32[1]:.10f}")
print(f"relative error {rel_error_float32:.1e}")
assert 1e-3 < rel_error_float32 < 1e-1  # wrong around the 2nd or 3rd digit
assert rel_error_float32 > 1e6 * rel_error_numerical


# %% seeds
# One seed is one draw: repeat the float64 and float32 checks on fresh data and starting points.
def check_once(seed: int) -> tuple[float, float, float]:
    """(float64 relative error, its round-off estimate, float32 relative error) for one seed."""
    torch.manual_seed(seed)
    xs = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
    ys = true_w * xs + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
    start = torch.cat([torch.randn(1), torch.randn(1)]).double()

    def loss_64(theta: torch.Tensor) -> torch.Tensor:
        return ((theta[0] * xs.double() + theta[1] - ys.double()) ** 2).mean()

    def loss_32(theta: torch.Tensor) -> torch.Tensor:
        return ((theta[0] * xs + theta[1] - ys) ** 2).mean()

    error = start[0] * xs.double() + start[1] - ys.double()  # (N, 1)
    exact = torch.stack([2 * (error * xs.double()).mean(), 2 * error.mean()])  # hand formulas
    estimate = torch.finfo(torch.float64).eps * loss_64(start).item() / h / exact.norm().item()
    err_64 = relative_error(exact, numerical_gradient(loss_64, start, h))
    err_32 = relative_error(exact, numerical_gradient(loss_32, start.float(), h).double())
    return err_64, estimate, err_32


num_seeds = 30
runs = [check_once(seed) for seed in range(num_seeds)]
errs_64 = sorted(r[0] for r in runs)
errs_32 = sorted(r[2] for r in runs)
num_below_estimate = sum(err < estimate for err, estimate, _ in runs)
median_err_64, min_err_64, max_err_64 = statistics.median(errs_64), errs_64[0], errs_64[-1]
median_err_32, min_err_32, max_err_32 = statistics.median(errs_32), errs_32[0], errs_32[-1]
print(f"over {num_seeds} seeds, relative error (median, range):")
print(
    f"float64 {median_err_64:.1e} ({min_err_64:.1e} to {max_err_64:.1e}), below the estimate in {num_below_estimate}"
)
print(f"float32 {median_err_32:.1e} ({min_err_32:.1e} to {max_err_32:.1e})")
assert max_err_64 < 1e-10  # float64: agreement to about 10 digits or better, every seed
assert num_below_estimate >= 0.9 * num_seeds  # typically below the round-off estimate
assert min_err_32 > 1e7 * max_err_64  # float32 is millions of times worse, every seed
assert min_err_32 > 1e-4 and max_err_32 < 1e-1

# %% result
print(f"Result: in float64 the hand-derived gradients agree with central differences to {median_err_64:.0e}")
