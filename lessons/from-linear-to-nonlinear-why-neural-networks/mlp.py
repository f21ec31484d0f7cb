"""A network with one hidden layer, trained by the module-1 loop on all three data sets."""

import statistics
from functools import partial

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from common import (
    N,
    accuracy,
    cross_entropy,
    init_many,
    init_mlp,
    linear,
    make_moons,
    make_sine,
    make_xor,
    mlp,
    mse,
    sine_noise_variance,
    train,
)

num_seeds: int = 20  # every claim about training is measured over this many initialisations
seeds = range(num_seeds)
xor_m: int = 8  # hidden widths
moons_m: int = 16
sine_m: int = 16

# %% check
# The hand-written forward pass and loss against PyTorch's own layers and loss.
x, y = make_xor(N, seed=0)
params = init_mlp(inputs=2, m=xor_m, seed=0)  # W1 (8, 2), b1 (8,), W2 (1, 8), b2 (1,)
reference = torch.nn.Sequential(torch.nn.Linear(2, xor_m), torch.nn.ReLU(), torch.nn.Linear(xor_m, 1))
with torch.no_grad():
    for layer_param, param in zip(reference.parameters(), params, strict=True):
        layer_param.copy_(param)  # the same numbers in both
    torch.testing.assert_close(mlp(x, params), reference(x)[:, 0])
    torch.testing.assert_close(
        cross_entropy(mlp(x, params), y), F.binary_cross_entropy_with_logits(reference(x)[:, 0], y)
    )
num_params: int = sum(p.numel() for p in params)
print(f"m = {xor_m}: {num_params} parameters; forward pass and loss match PyTorch's")

# %% train_xor
# The same train() as for the line: only the model and its parameter list changed.
xor_losses = train(mlp, params, cross_entropy, x, y, learning_rate=0.5, num_steps=500)
with torch.no_grad():
    xor_accuracy: float = accuracy(mlp(x, params), y).item()
    p_hat = torch.sigmoid(mlp(x, params))  # the predicted probability of label 1
for step in [0, 100, 499]:
    print(f"step {step:3d} | cross-entropy {xor_losses[step]:.4f}")
print(f"training accuracy {xor_accuracy:.3f}; p-hat of the first four examples: {p_hat[:4].numpy().round(3)}")
assert xor_accuracy == 1.0
assert xor_losses[-1] < 0.05

# %% seeds
# 20 initialisations per data set, trained side by side (see init_many in common.py).
problems = {  # name: (data, loss, activation, width m, learning rate, steps)
    "xor": (make_xor(N, 0), cross_entropy, torch.relu, xor_m, 0.5, 500),
    "moons": (make_moons(N, 0), cross_entropy, torch.relu, moons_m, 0.5, 1000),
    "sine": (make_sine(N, 0), mse, torch.tanh, sine_m, 0.1, 2000),
}
fresh_n: int = 1000  # held-out points per classifier, from another seed: never trained on
fresh = {"xor": make_xor(fresh_n, seed=1), "moons": make_moons(fresh_n, seed=1)}
nets: dict[str, list[torch.Tensor]] = {}
stacks: dict[str, list[torch.Tensor]] = {}  # all 20 trained networks of each problem
final: dict[str, list[float]] = {}  # the final training loss of each seed
scores: dict[str, list[float]] = {}  # training accuracy (classifiers) or MSE (the sine), per seed
held_out: dict[str, list[float]] = {}  # accuracy on the fresh points, per seed
for name, ((xs, ys), loss_fn, phi, m, lr, steps) in problems.items():
    stacked = init_many(xs.shape[1], m, seeds)
    model = partial(mlp, phi=phi)  # the network with this problem's activation
    train(model, stacked, loss_fn, xs, ys, lr, steps)
    with torch.no_grad():
        out = model(xs, stacked)  # (20, N)
        final[name] = [loss_fn(row, ys).item() for row in out]
        scores[name] = accuracy(out, ys).tolist() if loss_fn is cross_entropy else final[name]
        if name in fresh:
            held_out[name] = accuracy(model(fresh[name][0], stacked), fresh[name][1]).tolist()
    nets[name] = [p.detach()[0] for p in stacked]  # seed 0, for the figure
    stacks[name] = [p.detach() for p in stacked]
    shown, label = scores[name], "training accuracy" if loss_fn is cross_entropy else "training MSE"
    print(f"{name:5s}: {label} median {statistics.median(shown):.4f} ({min(shown):.4f} to {max(shown):.4f})")
    if name in fresh:
        h = held_out[name]
        print(f"       held-out accuracy median {statistics.median(h):.4f} ({min(h):.4f} to {max(h):.4f})")
# Seed 0 of the stack is the network trained alone in the cell above, step for step:
# the same weights, up to float32 rounding (the stacked sums run in another order).
seed0_gap: float = max(
    (alone.detach() - in_stack).abs().max().item()
    for alone, in_stack in zip(params, nets["xor"], strict=True)
)
print(f"seed 0 alone vs in the stack: largest gap between the weights {seed0_gap:.1e}")
assert seed0_gap < 1e-5
solved: dict[str, int] = {name: sum(a == 1.0 for a in scores[name]) for name in ["xor", "moons"]}
solved_xor: int = solved["xor"]
solved_moons: int = solved["moons"]
moons_worst_loss: float = max(final["moons"])
moons_median_loss: float = statistics.median(final["moons"])
# Is the worst moons start merely slow? Train it alone for many more steps and see.
moons_worst_seed: int = max(seeds, key=lambda s: final["moons"][s])
moons_more_steps: int = 10_000
worst_params = [p[moons_worst_seed].clone().requires_grad_(True) for p in stacks["moons"]]
(xs_moons, ys_moons) = problems["moons"][0]
train(mlp, worst_params, cross_entropy, xs_moons, ys_moons, 0.5, moons_more_steps)
with torch.no_grad():
    moons_worst_later_loss: float = cross_entropy(mlp(xs_moons, worst_params), ys_moons).item()
    moons_worst_later_accuracy: float = accuracy(mlp(xs_moons, worst_params), ys_moons).item()
print(
    f"moons, worst seed {moons_worst_seed} after {moons_more_steps} more steps: "
    f"loss {moons_worst_later_loss:.4f}, training accuracy {moons_worst_later_accuracy:.3f}"
)
assert moons_worst_later_accuracy < 0.95 and moons_worst_later_loss > 2 * moons_median_loss  # still stuck
xor_median_accuracy: float = statistics.median(scores["xor"])
xor_worst_accuracy: float = min(scores["xor"])
moons_median_accuracy: float = statistics.median(scores["moons"])
moons_worst_accuracy: float = min(scores["moons"])
sine_median: float = statistics.median(final["sine"])
sine_best: float = min(final["sine"])
sine_worst: float = max(final["sine"])
xs_sine, ys_sine = problems["sine"][0]
Phi = torch.cat([xs_sine, torch.ones(N, 1)], dim=1)
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
best_line_loss: float = mse(
    Phi @ torch.linalg.lstsq(Phi, ys_sine.unsqueeze(1), driver="gels").solution[:, 0], ys_sine
).item()
sine_gain: float = best_line_loss / sine_worst  # even the worst seed beats the best line by this factor
true_curve_mse: float = mse(torch.sin(2 * xs_sine[:, 0]), ys_sine).item()  # sin(2x) itself, same points
xor_held_out_median: float = statistics.median(held_out["xor"])
xor_held_out_worst: float = min(held_out["xor"])
moons_held_out_median: float = statistics.median(held_out["moons"])
moons_held_out_worst: float = min(held_out["moons"])
print(
    f"solved (training accuracy 100%): xor {solved['xor']}/{num_seeds}, moons {solved['moons']}/{num_seeds}"
)
print(f"sine: the worst seed's MSE is {sine_gain:.0f} times below the best line's, {best_line_loss:.4f}")
print(f"sine: sin(2x) itself scores {true_curve_mse:.4f} on these points")
assert xor_median_accuracy == 1.0 and xor_worst_accuracy > 0.95
assert moons_median_accuracy == 1.0 and moons_worst_accuracy > 0.85
assert solved["xor"] >= 15 and solved["moons"] >= 15
assert xor_held_out_median > 0.99 and xor_held_out_worst > 0.95  # it carries over to fresh points
assert moons_held_out_median > 0.99 and moons_held_out_worst > 0.85
assert sine_gain > 10
assert sine_best > true_curve_mse  # no seed fits these points as well as the true curve does
assert abs(true_curve_mse - sine_noise_variance) < 0.3 * sine_noise_variance  # near its average

# %% plot
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
grid_1d = torch.linspace(-3, 3, 300).unsqueeze(1)
axes[0].scatter(xs_sine[:, 0], ys_sine, s=8, color="gray", label="data")
axes[0].plot(grid_1d[:, 0], torch.sin(2 * grid_1d[:, 0]), "k--", label="sin(2x)")
axes[0].plot(
    grid_1d[:, 0],
    mlp(grid_1d, nets["sine"], torch.tanh),
    color="tab:green",
    label="network, m = 16, tanh",
)
axes[0].set_title(f"Sine: network, training MSE {final['sine'][0]:.3f}")
axes[0].set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].legend(loc="lower left", fontsize=8)
side = torch.linspace(-2.5, 2.5, 201)
g1, g2 = torch.meshgrid(side, side, indexing="xy")
grid = torch.stack([g1.flatten(), g2.flatten()], dim=1)
for ax, name, title in [(axes[1], "xor", "XOR"), (axes[2], "moons", "Two moons")]:
    (xs, ys) = problems[name][0]
    surface = mlp(grid, nets[name]).reshape(g1.shape)
    ax.contourf(g1, g2, (surface > 0).float(), levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
    ax.contour(g1, g2, surface, levels=[0.0], colors="black")
    ax.scatter(xs[:, 0], xs[:, 1], c=ys, cmap="coolwarm", s=10)
    ax.set_title(f"{title}: ReLU, m = {problems[name][3]},\ntraining accuracy {scores[name][0]:.0%}")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
fig.tight_layout()
plt.show()

# %% units
# What did the hidden layer learn? Unit j of seed 0 is zero on one side of its line
# W1[j] . x + b1[j] = 0 and grows on the other: one fold each. Draw the eight lines.
W1, b1, W2, b2 = nets["xor"]  # (8, 2), (8,), (1, 8), (1,): W1 is m x d, one row per unit
xs, ys = problems["xor"][0]
a1 = torch.relu(xs @ W1.T + b1)  # (N, 8) the features the hidden layer built
active_on = (a1 > 0).sum(dim=0)  # (8,) on how many training points each unit is not zero
normal = W1 / W1.norm(dim=1, keepdim=True)  # (8, 2) each line's direction across
distance = b1.abs() / W1.norm(dim=1)  # how far each line passes from the origin
along_sum = (normal @ torch.tensor([1.0, 1.0])).abs() / 2**0.5  # cos of the angle to (1, 1)
along_difference = (normal @ torch.tensor([1.0, -1.0])).abs() / 2**0.5  # ... and to (1, -1)
angle = torch.rad2deg(torch.acos(torch.maximum(along_sum, along_difference).clamp(max=1.0)))
central = distance < 0.5  # lines through the middle of the data
near_origin: int = int(central.sum())
max_angle: float = angle[central].max().item()  # largest angle between such a line and a diagonal
off_unit_active: int = int(active_on[~central].max())  # the busiest of the units off to the side
print(
    f"{near_origin} of {xor_m} lines within 0.5 of the origin, at most {max_angle:.0f} degrees from a diagonal"
)
print(f"the other unit is active on {off_unit_active} of {N} training points")
# Lines x1 + x2 = 0 (across (1, 1)) add to the logit, lines x1 = x2 (across (1, -1)) subtract from
# it: about |x1 + x2| - |x1 - x2|, positive exactly where x1 and x2 share a sign.
sum_units = central & (along_sum > along_difference)
difference_units = central & (along_sum < along_difference)
assert near_origin >= 6 and max_angle < 25 and off_unit_active < 0.05 * N
assert (W2[0, sum_units] > 0).all() and (W2[0, difference_units] < 0).all()
for group, diagonal in [(sum_units, [1.0, 1.0]), (difference_units, [1.0, -1.0])]:
    facing = normal[group] @ torch.tensor(diagonal)  # units facing both ways: |.|, not just ReLU(.)
    assert (facing > 0).any() and (facing < 0).any()
# Seed 0 is one draw: the same measures on all 20 XOR networks.
seed_near: list[int] = []  # lines within 0.5 of the origin, per seed
seed_angle: list[float] = []  # the largest angle between such a line and a diagonal, per seed
seed_signs: list[bool] = []  # sum units add to the logit and difference units subtract, per seed
for sW1, sb1, sW2 in zip(*stacks["xor"][:3], strict=True):
    s_normal = sW1 / sW1.norm(dim=1, keepdim=True)
    s_central = sb1.abs() / sW1.norm(dim=1) < 0.5
    s_sum = (s_normal @ torch.tensor([1.0, 1.0])).abs() / 2**0.5
    s_difference = (s_normal @ torch.tensor([1.0, -1.0])).abs() / 2**0.5
    s_angle = torch.rad2deg(torch.acos(torch.maximum(s_sum, s_difference).clamp(max=1.0)))
    seed_near.append(int(s_central.sum()))
    seed_angle.append(s_angle[s_central].max().item())
    seed_signs.append(
        bool((sW2[0, s_central & (s_sum > s_difference)] > 0).all())
        and bool((sW2[0, s_central & (s_sum < s_difference)] < 0).all())
    )
near_median: float = statistics.median(seed_near)
near_fewest: int = min(seed_near)
near_most: int = max(seed_near)
angle_least: float = min(seed_angle)
angle_most: float = max(seed_angle)
signs_hold: int = sum(seed_signs)
print(
    f"over {num_seeds} seeds: lines within 0.5 of the origin median {near_median:.0f} ({near_fewest} to {near_most}),"
    f" largest angle to a diagonal {angle_least:.0f} to {angle_most:.0f} degrees; signs as above on {signs_hold}"
)
assert near_median >= 5 and near_fewest >= 4 and angle_most < 30 and signs_hold == num_seeds
# Freeze those features and train logistic regression on them, from zero: a convex module-1 problem.
on_features = [torch.zeros(xor_m, requires_grad=True), torch.zeros((), requires_grad=True)]
train(linear, on_features, cross_entropy, a1, ys, learning_rate=0.5, num_steps=500)
with torch.no_grad():
    features_accuracy: float = accuracy(linear(a1, on_features), ys).item()
print(f"logistic regression on the 8 learned features, from zero: training accuracy {features_accuracy:.3f}")
assert features_accuracy == 1.0
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.scatter(xs[:, 0], xs[:, 1], c=ys, cmap="coolwarm", s=10)
t = torch.linspace(-3, 3, 2)
for j in range(xor_m):
    w, b = W1[j], b1[j]
    color = "tab:red" if W2[0, j] > 0 else "tab:blue"
    linestyle = "-" if central[j] else ":"
    if w[1].abs() > w[0].abs():  # a flat line: solve w . x + b = 0 for x2; a steep one: for x1
        ax.plot(t, -(w[0] * t + b) / w[1], color=color, linestyle=linestyle)
    else:
        ax.plot(-(w[1] * t + b) / w[0], t, color=color, linestyle=linestyle)
ax.contour(g1, g2, mlp(grid, nets["xor"]).reshape(g1.shape), levels=[0.0], colors="black", linewidths=2.5)
ax.set_xlim(-2.5, 2.5)
ax.set_ylim(-2.5, 2.5)
ax.set_aspect("equal")
ax.set_title(
    "XOR, seed 0: the line W1 x + b1 = 0 of each unit\nred: output weight > 0 (towards label 1), blue: < 0"
)
ax.set_xlabel("x1")
ax.set_ylabel("x2")
fig.tight_layout()
plt.show()
