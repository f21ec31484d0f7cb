"""Solutions to the exercises of "Visualizing the Loss Landscape".

One cell per exercise. Each cell uses only the shared data and helpers below.
"""

import math

import torch

# Hyperparameters and data settings (the narrow-valley data of narrow_valley.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
start_w, start_b = 0.0, 3.0  # the start of narrow_valley.py
tolerance = 1e-6  # "converged" = loss within this of the minimum
max_steps = 10_000
centres = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0]  # exercise 2: inputs on [c - 1, c + 1]

torch.manual_seed(42)

# %% data
x_wide: torch.Tensor = torch.linspace(0, 5, N).unsqueeze(1)  # (N, 1), inputs on [0, 5]
noise: torch.Tensor = noise_std * torch.randn(N, 1)  # (N, 1), shared by every data set here
y: torch.Tensor = true_w * x_wide + true_b + noise  # (N, 1)
x_wide, y, noise = x_wide.double(), y.double(), noise.double()  # float64: step counts decided by the math


def least_squares(x: torch.Tensor, y: torch.Tensor = y) -> tuple[float, float, float]:
    """The best (w, b) for inputs x and targets y, and the minimum loss L*."""
    features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
    # driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
    # so its last digits could change from one run to the next (pytorch#187411)
    w, b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
    return w, b, ((w * x + b - y) ** 2).mean().item()


def hessian_of(x: torch.Tensor) -> torch.Tensor:
    """H = 2 [[mean(x^2), mean(x)], [mean(x), 1]], the Hessian of the MSE."""
    return 2 * torch.tensor([[(x**2).mean(), x.mean()], [x.mean(), 1.0]], dtype=torch.float64)


def steps_to_converge(x: torch.Tensor, learning_rate: float, y: torch.Tensor = y) -> int:
    """Gradient descent from (start_w, start_b); steps until L - L* < tolerance."""
    min_loss = least_squares(x, y)[2]
    w, b = start_w, start_b
    for step in range(max_steps):
        error = w * x + b - y  # forward
        if (error**2).mean().item() - min_loss < tolerance:  # loss, and the stopping rule
            return step
        grad_w, grad_b = 2 * (error * x).mean().item(), 2 * error.mean().item()  # backward
        w, b = w - learning_rate * grad_w, b - learning_rate * grad_b  # update
    return max_steps


# %% solution_1
# Exercise 1: centre the inputs, then also scale them to standard deviation 1.
x_mean, x_std = x_wide.mean(), x_wide.std(correction=0)
inputs = {"x in [0, 5]": x_wide, "centred": x_wide - x_mean, "standardised": (x_wide - x_mean) / x_std}
kappas: dict[str, float] = {}
steps: dict[str, int] = {}
for name, x in inputs.items():
    lambda_min, lambda_max = torch.linalg.eigvalsh(hessian_of(x)).tolist()
    kappas[name] = lambda_max / lambda_min
    steps[name] = steps_to_converge(x, 2 / (lambda_min + lambda_max))  # each at its best rate
    mean_shown = round(x.mean().item(), 2) + 0.0  # + 0.0: print -0.0 as 0.0
    print(f"{name:12s} | mean(x) {mean_shown:4.2f} | mean(x^2) {(x**2).mean():4.2f}"
          f" | kappa {kappas[name]:5.2f} | steps {steps[name]:3d}")
kappa_wide, kappa_centred, kappa_standard = kappas.values()
steps_wide, steps_centred, steps_standard = steps.values()
# The same line, written three ways: y = w_s (x - mean) / std + b_s means w = w_s / std, b = b_s - w mean.
w_wide, b_wide, _ = least_squares(x_wide)
w_s, b_s, _ = least_squares(inputs["standardised"])
torch.testing.assert_close(w_s / x_std.item(), w_wide)
torch.testing.assert_close(b_s - w_s / x_std.item() * x_mean.item(), b_wide)
torch.testing.assert_close(kappa_standard, 1.0)  # H = 2 I: a perfectly round bowl
assert kappa_wide > kappa_centred > kappa_standard and steps_wide > steps_centred > steps_standard == 1

# Two inputs, x and x^2 (a parabola), each standardised: the columns stay correlated.
columns = torch.cat([x_wide, x_wide**2], dim=1)  # (N, 2)
z = (columns - columns.mean(dim=0)) / columns.std(dim=0, correction=0)
features = torch.cat([z, torch.ones(N, 1, dtype=torch.float64)], dim=1)  # (N, 3)
hessian_two = 2 * features.T @ features / N  # (3, 3), over (weight of x, weight of x^2, b)
eigenvalues_two = torch.linalg.eigvalsh(hessian_two)
kappa_two_inputs = (eigenvalues_two[-1] / eigenvalues_two[0]).item()
correlation = (z[:, 0] * z[:, 1]).mean().item()
print(f"x and x^2, both standardised: correlation {correlation:.3f} | kappa {kappa_two_inputs:.1f}")
torch.testing.assert_close(kappa_two_inputs, (1 + correlation) / (1 - correlation))  # eigenvalues 2 (1 +- corr), 2
assert kappa_two_inputs > 10 * kappa_centred  # standardised, yet far from round


# %% solution_2
# Exercise 2: the step count at the best fixed rate, against kappa.
rows: list[tuple[float, int]] = []  # (kappa, steps)
for c in centres:
    x = torch.linspace(c - 1, c + 1, N, dtype=torch.float64).unsqueeze(1)  # (N, 1)
    y_c = true_w * x + true_b + noise  # the same line and noise
    lambda_min, lambda_max = torch.linalg.eigvalsh(hessian_of(x)).tolist()
    kappa = lambda_max / lambda_min
    n_steps = steps_to_converge(x, 2 / (lambda_min + lambda_max), y_c)
    # Prediction: each step multiplies the gap L - L* by ((kappa - 1) / (kappa + 1))^2.
    gap = ((start_w * x + start_b - y_c) ** 2).mean().item() - least_squares(x, y_c)[2]
    assert n_steps == math.ceil(math.log(gap / tolerance) / (2 * math.log((kappa + 1) / (kappa - 1))))
    rows.append((kappa, n_steps))
    print(f"x in [{c - 1:4.1f}, {c + 1:3.1f}] | kappa {kappa:6.2f} | steps {n_steps:4d} | steps/kappa {n_steps / kappa:.2f}")
(kappa_first, steps_first), (kappa_last, steps_last) = rows[0], rows[-1]
ratio_low, ratio_high = min(n / k for k, n in rows), max(n / k for k, n in rows)
assert steps_last < max_steps and kappa_last > 100 * kappa_first and ratio_high < 1.25 * ratio_low  # steps grow in proportion to kappa
