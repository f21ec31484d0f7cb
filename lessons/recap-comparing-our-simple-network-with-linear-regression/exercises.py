"""Solutions to the exercises of post 2.7."""

import math
import warnings

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from common import B, accuracy, learning_rate, make_model, num_params, num_seeds, train, x, x_val, y, y_val

# %% solution_1
# Exercise 1: parameters and FLOPs per update as the hidden layer widens.
widths: list[int] = [1, 4, 16, 64]


def flops_per_step(model: nn.Module) -> int:
    """Matrix-multiply FLOPs of one forward + backward on a batch of B."""
    counter = FlopCounterMode(display=False)
    with counter:
        nn.BCEWithLogitsLoss()(model(x[:B]), y[:B]).backward()
    return counter.get_total_flops()


lin_flops = flops_per_step(make_model("logistic", 0))
for width in widths:
    net = make_model("network", 0, width)
    P, flops = num_params(net), flops_per_step(net)
    assert 4 * width + 1 == P and flops == 14 * B * width  # the formulas of the post
    print(f"m = {width:2d} | P = {P:3d} = 4m + 1 | FLOPs = {flops:5d} = 14 B m | {flops / lin_flops:5.1f} x logistic")

# 14 B m >= 100 * 8 B  <=>  m >= 800 / 14
width_100x = math.ceil(100 * lin_flops / (14 * B))
assert flops_per_step(make_model("network", 0, width_100x)) >= 100 * lin_flops
assert flops_per_step(make_model("network", 0, width_100x - 1)) < 100 * lin_flops
print(f"narrowest network whose update costs 100 x logistic regression's: m = {width_100x}")

# %% solution_2
# Exercise 2: linear regression vs the network on a curve, same loop, MSE loss.
gen = torch.Generator().manual_seed(2)
x_sine = torch.rand(200, 1, generator=gen) * 4 - 2  # x uniform in [-2, 2]
sine_noise = 0.1  # spread of the noise on y
y_sine = torch.sin(2 * x_sine) + sine_noise * torch.randn(200, 1, generator=gen)
x_sine_val = torch.rand(1000, 1, generator=gen) * 4 - 2
y_sine_val = torch.sin(2 * x_sine_val) + sine_noise * torch.randn(1000, 1, generator=gen)
sine_lr = 0.1  # well below 2 / lambda_max of the line's bowl
lambda_w = 2 * (x_sine**2).mean().item()  # the line's curvature along w (post 1.2)
assert sine_lr < 2 / lambda_w


def make_regressor(kind: str, seed: int) -> nn.Module:
    """A line w x + b, or a network with 16 tanh units, one input and one output."""
    torch.manual_seed(seed)
    if kind == "line":
        return nn.Linear(1, 1)
    return nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))


sine_val_mse: dict[str, torch.Tensor] = {}
for kind in ["line", "network"]:
    finals = []
    for seed in range(num_seeds):
        history = train(make_regressor(kind, seed), seed, nn.MSELoss(), (x_sine, y_sine, x_sine_val, y_sine_val), lr=sine_lr)
        finals.append(history["val"][-1])
    sine_val_mse[kind] = torch.tensor(finals)
    r = sine_val_mse[kind]
    print(f"{kind:>8}: validation MSE median {r.median():.3f}, range [{r.min():.3f}, {r.max():.3f}] over {num_seeds} seeds")
line_mse, net_mse = sine_val_mse["line"].median().item(), sine_val_mse["network"].median().item()
net_mse_max = sine_val_mse["network"].max().item()
line_mse_min = sine_val_mse["line"].min().item()
noise_floor = sine_noise**2  # what no model can remove
floor_ratio = net_mse / noise_floor  # how far the median network is above it
print(f"noise floor {noise_floor:.3f}: the median network's MSE is {floor_ratio:.1f} times it")
assert net_mse_max < line_mse_min / 3  # every network beats every line
assert 1 < floor_ratio < 3  # above the floor, but within a small factor of it

# %% solution_2_limit
# The line's Hessian, with b as well: 2 / lambda_max, and the classifier's eta = 1.0 against it.
features = torch.cat([x_sine, torch.ones_like(x_sine)], dim=1)  # (x, 1): the line is features @ (w, b)
line_hessian = 2 * features.T @ features / len(x_sine)  # of the MSE, the same everywhere
line_lambda_max = torch.linalg.eigvalsh(line_hessian).max().item()
line_limit = 2 / line_lambda_max  # the stability limit of post 1.2
assert sine_lr < line_limit < learning_rate  # the classifier's eta = 1.0 is past it
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # overflow on the way to inf and nan is the point here
    diverged_mse = [train(make_regressor("line", seed), seed, nn.MSELoss(), (x_sine, y_sine, x_sine_val, y_sine_val),
                          lr=learning_rate)["val"][-1] for seed in range(num_seeds)]
line_diverged = sum(math.isnan(v) for v in diverged_mse)  # the MSE overflowed to inf, then nan
print(f"the line at eta = {learning_rate}: 2 / lambda_max = {line_limit:.3f}; validation MSE nan on {line_diverged} of {num_seeds} seeds")
assert line_diverged == num_seeds

# %% solution_3
# Exercise 3: start every weight and bias of the network at the same value.
symmetric_value = 0.1  # every weight and bias starts here
symmetric_acc: list[float] = []
for seed in range(num_seeds):
    net = make_model("network", seed)
    with torch.no_grad():
        for param in net.parameters():
            param.fill_(symmetric_value)  # every hidden unit starts identical
    train(net, seed)
    W1 = next(net.parameters())  # (m, 2), the first layer's weight: row j holds hidden unit j's weights
    assert torch.equal(W1, W1[:1].expand_as(W1))  # still 16 copies of one unit
    symmetric_acc.append(accuracy(net, x_val, y_val))
sym = torch.tensor(symmetric_acc)
sym_median, sym_max = sym.median().item(), sym.max().item()
print(f"after training, all {W1.shape[0]} rows of W1 are equal (every seed)")
print(f"validation accuracy: median {sym_median:.3f}, range [{sym.min():.3f}, {sym_max:.3f}]")
assert sym_max < 0.9  # no better than one straight-ish boundary (compare.py: the network's worst is above 0.97)
