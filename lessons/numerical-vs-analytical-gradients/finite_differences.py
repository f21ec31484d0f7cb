"""Forward and central finite differences, and how their error depends on the step h.

New in this lesson: we estimate a derivative from function values alone, measure
the error against the exact derivative of sin(x), and watch truncation error
(large h) trade off against round-off error (small h) in float32 and float64.
"""

import math

import matplotlib.pyplot as plt
import torch

# Hyperparameters
x0 = 1.0  # the point of the first two cells: we differentiate f(x) = sin(x) there
h_demo = 1e-3  # the single step used in the first cell
sweep_lo, sweep_hi = 0.5, 1.5  # the sweep averages the error over points in this range
num_points = 101  # how many points x in that range
log10_h_min, log10_h_max = -16, 0  # the sweep tries steps from 1e-16 to 1
num_steps = 161  # 20 steps per decade of h

torch.manual_seed(0)  # nothing here is random; seeded anyway, as in every lesson


# %% one_step
def f(x):
    return torch.sin(x)


def df_exact(x):
    return torch.cos(x)


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


x = torch.tensor(x0, dtype=torch.float64)
exact = df_exact(x).item()
forward_demo = forward_difference(f, x, h_demo).item()
central_demo = central_difference(f, x, h_demo).item()
forward_demo_error = abs(forward_demo - exact)
central_demo_error = abs(central_demo - exact)
# The leading Taylor terms predict these errors: h/2 |f''| and h^2/6 |f'''|.
forward_demo_predicted = h_demo / 2 * abs(math.sin(x0))
central_demo_predicted = h_demo**2 / 6 * abs(math.cos(x0))
print(f"exact    f'({x0}) = {exact:.10f}")
print(
    f"forward  h={h_demo:.0e} -> {forward_demo:.10f} | error {forward_demo_error:.2e} "
    f"| predicted {forward_demo_predicted:.2e}"
)
print(
    f"central  h={h_demo:.0e} -> {central_demo:.10f} | error {central_demo_error:.2e} "
    f"| predicted {central_demo_predicted:.2e}"
)
assert central_demo_error < forward_demo_error / 1000
assert abs(forward_demo_error / forward_demo_predicted - 1) < 0.01
assert abs(central_demo_error / central_demo_predicted - 1) < 0.01

# %% orders
# Halve h and watch the error: O(h) halves, O(h^2) quarters.
print("       h | forward error | ratio | central error | ratio")
previous = None
for k in range(5):
    h = 1e-2 / 2**k
    errors = (
        abs(forward_difference(f, x, h).item() - exact),
        abs(central_difference(f, x, h).item() - exact),
    )
    if previous is None:
        print(f"{h:.2e} |      {errors[0]:.2e} |       |      {errors[1]:.2e} |")
    else:
        forward_ratio = previous[0] / errors[0]
        central_ratio = previous[1] / errors[1]
        print(
            f"{h:.2e} |      {errors[0]:.2e} | {forward_ratio:5.2f} |"
            f"      {errors[1]:.2e} | {central_ratio:5.2f}"
        )
    previous = errors
assert abs(forward_ratio - 2) < 0.05
assert abs(central_ratio - 4) < 0.05


# %% sweep
def error_curve(difference, dtype):
    """Mean |estimate - exact| over the sweep points, for every step, computed in `dtype`."""
    points = torch.linspace(sweep_lo, sweep_hi, num_points, dtype=torch.float64)
    steps = torch.logspace(log10_h_min, log10_h_max, num_steps, dtype=torch.float64)
    estimates = difference(
        f, points.to(dtype)[:, None], steps.to(dtype)[None, :]
    )  # (points, steps)
    errors = (estimates.double() - df_exact(points)[:, None]).abs()  # (points, steps)
    return steps, errors.mean(dim=0)  # (steps,)


def best_step(steps, errors):
    i = errors.argmin()
    return steps[i].item(), errors[i].item()


eps32 = torch.finfo(torch.float32).eps
eps64 = torch.finfo(torch.float64).eps
h_grid, err_forward_32 = error_curve(forward_difference, torch.float32)
_, err_central_32 = error_curve(central_difference, torch.float32)
_, err_forward_64 = error_curve(forward_difference, torch.float64)
_, err_central_64 = error_curve(central_difference, torch.float64)

best_h_forward_32, best_err_forward_32 = best_step(h_grid, err_forward_32)
best_h_central_32, best_err_central_32 = best_step(h_grid, err_central_32)
best_h_forward_64, best_err_forward_64 = best_step(h_grid, err_forward_64)
best_h_central_64, best_err_central_64 = best_step(h_grid, err_central_64)
predicted_h_forward_32, predicted_h_central_32 = eps32**0.5, eps32 ** (1 / 3)
predicted_h_forward_64, predicted_h_central_64 = eps64**0.5, eps64 ** (1 / 3)
# and the best errors: sqrt(eps) for forward, eps^(2/3) for central
predicted_err_forward_32, predicted_err_central_32 = eps32**0.5, eps32 ** (2 / 3)
predicted_err_forward_64, predicted_err_central_64 = eps64**0.5, eps64 ** (2 / 3)

print(f"eps: float32 {eps32:.2e} | float64 {eps64:.2e}")
rows = [
    (
        "forward",
        "float32",
        best_h_forward_32,
        predicted_h_forward_32,
        best_err_forward_32,
        predicted_err_forward_32,
    ),
    (
        "central",
        "float32",
        best_h_central_32,
        predicted_h_central_32,
        best_err_central_32,
        predicted_err_central_32,
    ),
    (
        "forward",
        "float64",
        best_h_forward_64,
        predicted_h_forward_64,
        best_err_forward_64,
        predicted_err_forward_64,
    ),
    (
        "central",
        "float64",
        best_h_central_64,
        predicted_h_central_64,
        best_err_central_64,
        predicted_err_central_64,
    ),
]
print("method  dtype   | best h  | predicted h | best error | predicted error")
for method, dtype_name, best_h, predicted_h, best_err, predicted_err in rows:
    print(
        f"{method} {dtype_name} | {best_h:.1e} |     {predicted_h:.1e} |    {best_err:.1e} |"
        f"         {predicted_err:.1e}"
    )
    # the measured sweet spot sits within an order of magnitude of the prediction
    assert abs(math.log10(best_h / predicted_h)) < 1
    # the model is pessimistic: the real error is lower, but by less than 100x
    assert predicted_err / 100 < best_err < predicted_err
# central beats forward at its best h, and float64 beats float32
assert best_err_central_32 < best_err_forward_32 / 10
assert best_err_central_64 < best_err_forward_64 / 10
assert best_err_forward_64 < best_err_forward_32 / 1000
assert best_err_central_64 < best_err_central_32 / 1000
print(
    f"Result: best central error {best_err_central_64:.1e} (float64), "
    f"{best_err_central_32:.1e} (float32)"
)

# %% plot_anatomy
# Rough error model for float64: truncation term + round-off term eps * |f| / h,
# with |f|, |f''| and |f'''| averaged over the sweep points.
points = torch.linspace(sweep_lo, sweep_hi, num_points, dtype=torch.float64)
mean_f = points.sin().abs().mean().item()  # = mean |f| = mean |f''| for sin
mean_f3 = points.cos().abs().mean().item()  # = mean |f'''| for sin
model_forward = mean_f / 2 * h_grid + eps64 * mean_f / h_grid
model_central = mean_f3 / 6 * h_grid**2 + eps64 * mean_f / h_grid

fig, ax = plt.subplots()
ax.loglog(h_grid, err_forward_64, color="tab:blue", label="forward, measured")
ax.loglog(h_grid, model_forward, color="tab:blue", linestyle="--", label="forward, model")
ax.loglog(h_grid, err_central_64, color="tab:orange", label="central, measured")
ax.loglog(h_grid, model_central, color="tab:orange", linestyle="--", label="central, model")
ax.set_ylim(1e-14, 1e1)
ax.set_title("Error of finite differences for sin'(x), float64")
ax.set_xlabel("step size h")
ax.set_ylabel("mean absolute error")
ax.legend()
plt.show()

# %% plot_dtypes
fig, ax = plt.subplots()
ax.loglog(h_grid, err_forward_64, color="tab:blue", label="forward, float64")
ax.loglog(h_grid, err_central_64, color="tab:orange", label="central, float64")
ax.loglog(h_grid, err_forward_32, color="tab:green", linestyle="--", label="forward, float32")
ax.loglog(h_grid, err_central_32, color="tab:red", linestyle="--", label="central, float32")
for predicted_h, color in [
    (predicted_h_forward_32, "tab:green"),
    (predicted_h_central_32, "tab:red"),
    (predicted_h_forward_64, "tab:blue"),
    (predicted_h_central_64, "tab:orange"),
]:
    ax.axvline(predicted_h, color=color, linewidth=0.8, linestyle=":")
ax.set_ylim(1e-14, 1e1)
ax.set_title("float32 vs float64 (dotted: predicted best h)")
ax.set_xlabel("step size h")
ax.set_ylabel("mean absolute error")
ax.legend()
plt.show()

# %% shape_checks
# The features of the two plots, checked.
points = torch.linspace(sweep_lo, sweep_hi, num_points, dtype=torch.float64)
mean_abs_derivative = df_exact(points).abs().mean().item()
flat_32 = h_grid < 1e-8  # float32: x + h rounds back to x, so the estimate is exactly 0
torch.testing.assert_close(
    err_forward_32[flat_32], torch.full_like(h_grid[flat_32], mean_abs_derivative)
)
flat_error = err_forward_32[flat_32].max().item()
print(f"float32, h < 1e-8:  error {flat_error:.4f} = mean |f'(x)| {mean_abs_derivative:.4f}")

left = h_grid < 1e-9  # float64 left arms: round-off, about the same for both formulas
left_ratio = err_forward_64[left] / err_central_64[left]
print(
    f"float64, h < 1e-9:  forward / central error from "
    f"{left_ratio.min():.2f} to {left_ratio.max():.2f}"
)
assert 1 / 3 < left_ratio.min() and left_ratio.max() < 3

right = h_grid > 1e-1  # right arms: truncation, the same in any precision
right_gap = ((err_central_32[right] - err_central_64[right]) / err_central_64[right]).abs().max()
print(f"h > 0.1:            float32 and float64 central errors differ by at most {right_gap:.0e}")
torch.testing.assert_close(err_forward_32[right], err_forward_64[right], rtol=1e-3, atol=0)
torch.testing.assert_close(err_central_32[right], err_central_64[right], rtol=1e-3, atol=0)
