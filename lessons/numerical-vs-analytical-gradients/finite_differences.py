"""Forward and central finite differences, and how their error depends on the step h.

New in this lesson: we estimate a derivative from function values alone, measure the
error against the exact derivative of sin(x), and watch truncation error (large h)
trade off against round-off error (small h) in float32 and float64.
"""

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch

# Hyperparameters
x0 = 1.0  # the first cell differentiates f(x) = sin(x) at this point
h_demo = 1e-3  # the single step used in the first cell
sweep_lo, sweep_hi = 0.5, 1.5  # the sweep averages the error over points in this range
num_points = 101  # how many points in that range
num_steps = 161  # steps h from 1e-16 to 1, 20 per decade

torch.manual_seed(0)  # nothing here is random; seeded anyway, as in every lesson

Fn = Callable[[torch.Tensor], torch.Tensor]


# %% one_step
def forward_difference(f: Fn, x: torch.Tensor, h: float | torch.Tensor) -> torch.Tensor:
    return (f(x + h) - f(x)) / h


def central_difference(f: Fn, x: torch.Tensor, h: float | torch.Tensor) -> torch.Tensor:
    return (f(x + h) - f(x - h)) / (2 * h)


x: torch.Tensor = torch.tensor(x0, dtype=torch.float64)
exact = math.cos(x0)  # the derivative of sin, known exactly
errors: list[tuple[float, float]] = []  # (forward, central) error for each h
for h in [h_demo, h_demo / 2]:
    forward_error = abs(forward_difference(torch.sin, x, h).item() - exact)
    central_error = abs(central_difference(torch.sin, x, h).item() - exact)
    errors.append((forward_error, central_error))
    # the leading Taylor terms predict the errors: h/2 |f''| and h^2/6 |f'''|
    print(
        f"h {h:.1e} | forward error {forward_error:.3e} (predicted {h / 2 * math.sin(x0):.3e})"
        f" | central {central_error:.3e} (predicted {h**2 / 6 * math.cos(x0):.3e})"
    )

# %% one_step_checks
# The claims the post makes about the cell above.
for (forward_error, central_error), h in zip(errors, [h_demo, h_demo / 2], strict=True):
    assert abs(forward_error / (h / 2 * math.sin(x0)) - 1) < 0.01
    assert abs(central_error / (h**2 / 6 * math.cos(x0)) - 1) < 0.01
forward_ratio, central_ratio = errors[0][0] / errors[1][0], errors[0][1] / errors[1][1]
assert abs(forward_ratio - 2) < 0.05 and abs(central_ratio - 4) < 0.05
central_advantage = errors[0][0] / errors[0][1]  # forward error / central error
assert central_advantage > 1000


# %% sweep
def error_curve(difference: Callable[..., torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    """Mean |estimate - exact| over the sweep points, per step; the estimate is done in `dtype`."""
    points = torch.linspace(sweep_lo, sweep_hi, num_points, dtype=torch.float64)
    estimates = difference(torch.sin, points.to(dtype)[:, None], h_grid.to(dtype)[None, :])
    return (estimates.double() - points.cos()[:, None]).abs().mean(dim=0)  # (steps,)


h_grid: torch.Tensor = torch.logspace(-16, 0, num_steps, dtype=torch.float64)
eps32 = torch.finfo(torch.float32).eps  # machine epsilon
eps64 = torch.finfo(torch.float64).eps
curves: dict[str, torch.Tensor] = {}
best_h: dict[str, float] = {}
best_err: dict[str, float] = {}
print("method  dtype   | best h  | predicted h | best error | predicted error")
for dtype, eps in [(torch.float32, eps32), (torch.float64, eps64)]:
    for method, difference, power in [
        ("forward", forward_difference, 1 / 2),  # h* ~ eps^(1/2), error ~ eps^(1/2)
        ("central", central_difference, 1 / 3),  # h* ~ eps^(1/3), error ~ eps^(2/3)
    ]:
        key = f"{method} {str(dtype)[6:]}"
        curves[key] = error_curve(difference, dtype)
        i = curves[key].argmin()
        best_h[key], best_err[key] = h_grid[i].item(), curves[key][i].item()
        predicted_h, predicted_err = eps**power, eps ** (1 - power)
        print(
            f"{key} | {best_h[key]:.1e} |     {predicted_h:.1e} |    {best_err[key]:.1e} |"
            f"         {predicted_err:.1e}"
        )
        assert abs(math.log10(best_h[key] / predicted_h)) < 1  # within 10x of the prediction
        assert predicted_err / 100 < best_err[key] < predicted_err  # the model is pessimistic
best_err_central_64, best_err_central_32 = best_err["central float64"], best_err["central float32"]
best_err_forward_64 = best_err["forward float64"]
best_h_central_64 = best_h["central float64"]
predicted_err_central_32, predicted_err_central_64 = eps32 ** (2 / 3), eps64 ** (2 / 3)
precision_gain_decades = round(math.log10(best_err_central_32 / best_err_central_64))
assert best_err_central_64 < best_err_forward_64 / 10
assert precision_gain_decades >= 5

# %% plot
fig, ax = plt.subplots()
for key, color in zip(curves, ["tab:green", "tab:red", "tab:blue", "tab:orange"], strict=True):
    style = "--" if "32" in key else "-"
    ax.loglog(h_grid, curves[key], color=color, linestyle=style, label=key)
    ax.axvline(best_h[key], color=color, linewidth=0.8, linestyle=":")
ax.set_ylim(1e-14, 1e1)
ax.set_title("Error of finite differences for sin'(x) (dotted: best h)")
ax.set_xlabel("step size h")
ax.set_ylabel("mean absolute error")
ax.legend()
plt.show()

# %% shape_checks
# The features of the plot that the post describes, checked.
mean_abs_derivative = torch.linspace(sweep_lo, sweep_hi, num_points).cos().abs().mean().item()
flat_32 = h_grid < 1e-8  # float32: x + h rounds back to x, so the estimate is exactly 0
torch.testing.assert_close(
    curves["forward float32"][flat_32],
    torch.full_like(h_grid[flat_32], mean_abs_derivative),
    rtol=1e-6,
    atol=0,
)
left = h_grid < 1e-9  # float64 left arms: round-off, about the same for both formulas
left_ratio = curves["forward float64"][left] / curves["central float64"][left]
assert left_ratio.min() > 1 / 3 and left_ratio.max() < 3
right = h_grid > 1e-1  # right arms: truncation, the same in any precision
for method in ["forward", "central"]:
    torch.testing.assert_close(
        curves[f"{method} float32"][right], curves[f"{method} float64"][right], rtol=1e-3, atol=0
    )


def slope(key: str, lo: float, hi: float) -> float:
    """Slope of a curve on the log-log plot, between steps lo and hi."""
    i, j = int((h_grid - lo).abs().argmin()), int((h_grid - hi).abs().argmin())
    return math.log10(curves[key][j] / curves[key][i]) / math.log10(h_grid[j] / h_grid[i])


assert abs(slope("forward float64", 1e-5, 1e-2) - 1) < 0.1  # truncation O(h)
assert abs(slope("central float64", 1e-3, 1e-1) - 2) < 0.1  # truncation O(h^2)
assert abs(slope("central float64", 1e-15, 1e-11) + 1) < 0.2  # round-off ~ 1/h
print("Result: each curve is a V; float32 bottoms out at larger h and a far larger error")
