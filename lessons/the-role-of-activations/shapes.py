"""What each activation lets a network draw: a 1-D fit with ReLU (kinks) and with tanh (smooth).

New in this lesson: counting kinks. A ReLU unit switches on where w x + b = 0, so a
1-m-1 ReLU network is a straight line between at most m kinks.
"""

import math

import matplotlib.pyplot as plt
import torch

from common import Activation, activations

# Settings
N_fit: int = 64  # points of the sine
m: int = 12  # hidden units
num_seeds: int = 20
learning_rate: float = 0.02
num_steps: int = 3000

# %% data
x: torch.Tensor = torch.linspace(-3, 3, N_fit).reshape(N_fit, 1)  # (N_fit, 1)
y_sine: torch.Tensor = torch.sin(2 * x)  # two full waves, no noise


# %% fit
def fit(phi: Activation) -> list[torch.Tensor]:
    """Train num_seeds 1-m-1 networks on the sine with full-batch gradient descent and the MSE."""
    g = torch.Generator().manual_seed(3)
    W1 = torch.randn(num_seeds, 1, m, generator=g)  # fan_in = 1
    b1 = -W1 * (6 * torch.rand(num_seeds, 1, m, generator=g) - 3)  # kinks start spread over [-3, 3]
    W2 = torch.randn(num_seeds, m, 1, generator=g) / math.sqrt(m)
    b2 = torch.zeros(num_seeds, 1, 1)
    params = [p.requires_grad_() for p in (W1, b1, W2, b2)]
    for _ in range(num_steps):
        y_hat = phi(x @ params[0] + params[1]) @ params[2] + params[3]  # (S, N_fit, 1)
        loss = ((y_hat - y_sine) ** 2).mean(dim=(1, 2))  # one MSE per seed
        loss.sum().backward()
        with torch.no_grad():
            for p in params:
                assert p.grad is not None  # set by backward()
                p -= learning_rate * p.grad
                p.grad = None
    return params


def predict(params: list[torch.Tensor], phi: Activation, inputs: torch.Tensor) -> torch.Tensor:
    W1, b1, W2, b2 = params
    return phi(inputs @ W1 + b1) @ W2 + b2


fitted: dict[str, list[torch.Tensor]] = {name: fit(activations[name]) for name in ("ReLU", "tanh")}
final_mse: dict[str, torch.Tensor] = {}
for name, params in fitted.items():
    with torch.no_grad():
        final_mse[name] = ((predict(params, activations[name], x) - y_sine) ** 2).mean(dim=(1, 2))
    f = final_mse[name]
    print(f"{name:5s} MSE after {num_steps} steps: median {f.median():.4f} [{f.min():.4f}, {f.max():.4f}]")
relu_median_mse: float = final_mse["ReLU"].median().item()
tanh_median_mse: float = final_mse["tanh"].median().item()
relu_max_mse: float = final_mse["ReLU"].max().item()
tanh_max_mse: float = final_mse["tanh"].max().item()
relu_min_mse: float = final_mse["ReLU"].min().item()
tanh_wins: int = int((final_mse["tanh"] < final_mse["ReLU"]).sum())  # seed by seed, same start
print(f"tanh ends with the lower MSE on {tanh_wins} of {num_seeds} seeds")
assert tanh_median_mse < relu_median_mse and tanh_wins >= 15
assert relu_min_mse < tanh_max_mse  # the ranges overlap

# %% kinks
# Where does each ReLU unit switch? At x = -b/w. Count the switches inside the data range.
W1, b1, _, _ = (p.detach() for p in fitted["ReLU"])
kink_x: torch.Tensor = (-b1 / W1).squeeze(1)  # (num_seeds, m)
inside: torch.Tensor = (kink_x > -3) & (kink_x < 3)
kinks_per_seed: torch.Tensor = inside.sum(dim=1)  # (num_seeds,)
kinks_median: int = int(kinks_per_seed.median())
kinks_min, kinks_max = int(kinks_per_seed.min()), int(kinks_per_seed.max())
print(f"kinks inside [-3, 3]: median {kinks_median} [{kinks_min}, {kinks_max}] of m = {m}")

# The slope of the fit, from autograd on a fine grid: piecewise constant for ReLU.
grid: torch.Tensor = torch.linspace(-3, 3, 6001).reshape(-1, 1).requires_grad_()
params0 = [p.detach()[:1] for p in fitted["ReLU"]]  # seed 0 only
(slope,) = torch.autograd.grad(predict(params0, torch.relu, grid).sum(), grid)
slope = slope.squeeze()
jumps: torch.Tensor = (slope.diff().abs() > 1e-4).nonzero().squeeze(1)  # grid cells where the slope changes
seed0_kinks: int = int(kinks_per_seed[0])
print(f"seed 0: {seed0_kinks} kinks; the slope along the grid jumps {len(jumps)} times, each time at a kink")
jump_x = grid.detach().squeeze()[jumps]  # the left end of each cell with a jump
assert all((kink_x[0] - jx).abs().min() < 0.0011 for jx in jump_x)  # between kinks: exactly a straight line
assert kinks_max <= m  # never more kinks than units

# A tanh network has a slope that changes everywhere, a little at a time.
params0_tanh = [p.detach()[:1] for p in fitted["tanh"]]
(slope_tanh,) = torch.autograd.grad(predict(params0_tanh, torch.tanh, grid).sum(), grid)
slope_tanh = slope_tanh.squeeze()
largest_jump_tanh: float = slope_tanh.diff().abs().max().item()
assert largest_jump_tanh < 0.01  # no jumps on a grid 0.001 apart: smooth

# Against the true slope 2 cos 2x (seed 0, as plotted): tanh's follows it away from the ends
# of the data; ReLU's is one flat step across the first wave, where 2 cos 2x swings from 2 to -2.
x_grid = grid.detach().squeeze()
true_slope = 2 * torch.cos(2 * x_grid)
middle = x_grid.abs() <= 2
assert (slope_tanh - true_slope)[middle].abs().max() < 0.7 < (slope - true_slope)[middle].abs().max()
first_wave = x_grid < -0.7
assert slope[first_wave].max() - slope[first_wave].min() < 1e-4  # a single straight piece

# Outside the data, the two extrapolate differently: ReLU goes on as a straight line, tanh goes flat.
far: torch.Tensor = torch.tensor([[10.0], [20.0]])
with torch.no_grad():
    relu_far = predict(params0, torch.relu, far).squeeze()
    tanh_far = predict(params0_tanh, torch.tanh, far).squeeze()
print(f"at x = 10 and 20: ReLU fit {relu_far[0]:.2f}, {relu_far[1]:.2f}; tanh fit {tanh_far[0]:.3f}, {tanh_far[1]:.3f}")
assert (tanh_far[1] - tanh_far[0]).abs() < 0.1 < (relu_far[1] - relu_far[0]).abs()

# %% plot
fig, (ax_fit, ax_slope) = plt.subplots(1, 2, figsize=(11, 4))
wide: torch.Tensor = torch.linspace(-4.5, 4.5, 901).reshape(-1, 1)
with torch.no_grad():
    ax_fit.plot(wide.numpy(), torch.sin(2 * wide).numpy(), color="gray", linestyle=":", label="sin(2x)")
    ax_fit.scatter(x.numpy(), y_sine.numpy(), s=8, color="gray", label="training points")
    ax_fit.plot(wide.numpy(), predict(params0, torch.relu, wide).squeeze().numpy(), label="ReLU network")
    ax_fit.plot(wide.numpy(), predict(params0_tanh, torch.tanh, wide).squeeze().numpy(), label="tanh network")
    k = kink_x[0][inside[0]].reshape(-1, 1)
    ax_fit.scatter(k.numpy(), predict(params0, torch.relu, k).squeeze(-1).numpy(), marker="x", color="black", zorder=3, label="ReLU kinks")
ax_fit.axvspan(-4.5, -3, color="gray", alpha=0.1)
ax_fit.axvspan(3, 4.5, color="gray", alpha=0.1)
ax_fit.set_title(f"Fits with m = {m} hidden units (shaded: no data)")
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.legend(fontsize=8)
ax_slope.plot(grid.detach().numpy(), slope.numpy(), label="ReLU network")
ax_slope.plot(grid.detach().numpy(), slope_tanh.numpy(), label="tanh network")
ax_slope.plot(grid.detach().numpy(), (2 * torch.cos(2 * grid.detach())).numpy(), color="gray", linestyle=":", label="2 cos(2x), the true slope")
ax_slope.set_title("The slope of each fit, d y_hat / d x, by autograd")
ax_slope.set_xlabel("x")
ax_slope.set_ylabel("slope")
ax_slope.legend(fontsize=8)
fig.tight_layout()
plt.show()
