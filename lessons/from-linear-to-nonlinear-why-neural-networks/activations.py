"""Why the activation matters: without it, two layers are one line."""

import math
import statistics
from collections.abc import Callable
from functools import partial

import matplotlib.pyplot as plt
import torch

from common import N, accuracy, cross_entropy, init_many, linear, make_xor, mlp, train

num_seeds: int = 20
num_steps: int = 1000
learning_rate: float = 0.5
m: int = 8  # hidden width

# %% collapse
# Two nn.Linear layers with nothing between them ...
torch.manual_seed(0)
first, second = torch.nn.Linear(2, m), torch.nn.Linear(m, 1)
x_any: torch.Tensor = torch.randn(5, 2)  # any inputs at all
two_layers = second(first(x_any))  # (5, 1)
# ... are one linear map: weight W2 W1 and bias W2 b1 + b2.
W: torch.Tensor = second.weight @ first.weight  # (1, 2)
b: torch.Tensor = second.weight @ first.bias + second.bias  # (1,)
torch.testing.assert_close(two_layers, x_any @ W.T + b)
stacked_params: int = sum(p.numel() for p in [*first.parameters(), *second.parameters()])
print(f"two layers, {stacked_params} parameters")
print(f"one layer, W = {W.detach().numpy().round(3)}, b = {b.detach().numpy().round(3)}: 3 parameters")

# %% race
# The same network on XOR, 20 seeds each, with four choices of phi.
x, y = make_xor(N, seed=0)
activations: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "none": lambda z: z,  # the beginner's version: layers stacked with nothing between them
    "ReLU": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}
log_every: int = 10  # steps between two looks at the loss of each seed
curves: dict[str, torch.Tensor] = {}  # (looks, seeds): the loss of every seed along the run
final_accuracy: dict[str, list[float]] = {}
for name, phi in activations.items():
    nets = init_many(2, m, range(num_seeds))
    model = partial(mlp, phi=phi)
    looks: list[list[float]] = []
    for _ in range(num_steps // log_every):
        train(model, nets, cross_entropy, x, y, learning_rate, log_every)  # continues where it stopped
        with torch.no_grad():
            looks.append([cross_entropy(row, y).item() for row in model(x, nets)])  # one per seed
    curves[name] = torch.tensor(looks)
    with torch.no_grad():
        final_accuracy[name] = accuracy(model(x, nets), y).tolist()
    last = looks[-1]
    print(
        f"{name:7s}: cross-entropy median {statistics.median(last):.4f} (range {min(last):.4f} to {max(last):.4f})"
        f" | training accuracy median {statistics.median(final_accuracy[name]):.3f}"
        f" (range {min(final_accuracy[name]):.3f} to {max(final_accuracy[name]):.3f})"
    )
    if name == "none":  # after training, each stack is still one linear map: collapse it, compare
        W1, b1, W2, b2 = (p.detach() for p in nets)  # (20, m, 2), (20, m), (20, 1, m), (20, 1)
        W_one = W2 @ W1  # (20, 1, 2)
        b_one = (W2 @ b1.unsqueeze(-1))[..., 0] + b2  # (20, 1)
        torch.testing.assert_close(model(x, nets).detach(), (x @ W_one.mT)[..., 0] + b_one)
coin_flip_loss: float = math.log(2)
none_median_loss: float = statistics.median(curves["none"][-1].tolist())
none_best_loss: float = min(curves["none"][-1].tolist())
none_best_accuracy: float = max(final_accuracy["none"])
relu_median_loss: float = statistics.median(curves["ReLU"][-1].tolist())
tanh_median_loss: float = statistics.median(curves["tanh"][-1].tolist())
sigmoid_median_loss: float = statistics.median(curves["sigmoid"][-1].tolist())
relu_solved: int = sum(a == 1.0 for a in final_accuracy["ReLU"])
tanh_solved: int = sum(a == 1.0 for a in final_accuracy["tanh"])
sigmoid_solved: int = sum(a == 1.0 for a in final_accuracy["sigmoid"])
assert none_best_loss > 0.99 * coin_flip_loss  # no seed gets below the floor of logistic regression
assert none_best_accuracy < 0.6
assert (
    relu_median_loss < tanh_median_loss < sigmoid_median_loss < 0.5 * coin_flip_loss
)  # all three learn; ReLU fastest
assert min(relu_solved, tanh_solved) >= 15
# The floor is the one logistic regression reached: the stack found the same line.
logistic = [torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)]
logistic_loss: float = train(linear, logistic, cross_entropy, x, y, learning_rate, num_steps)[-1]
assert abs(none_median_loss - logistic_loss) < 1e-3

# %% plot
fig, (ax_phi, ax_race) = plt.subplots(1, 2, figsize=(11, 4))
z = torch.linspace(-4, 4, 200)
for name in ["ReLU", "tanh", "sigmoid"]:
    ax_phi.plot(z, activations[name](z), label=name)
ax_phi.axhline(0, color="gray", linewidth=0.5)
ax_phi.axvline(0, color="gray", linewidth=0.5)
ax_phi.set_ylim(-1.5, 3)
ax_phi.set_title("Three activation functions phi(z)")
ax_phi.set_xlabel("pre-activation z")
ax_phi.set_ylabel("activation phi(z)")
ax_phi.legend()
steps = torch.arange(1, num_steps // log_every + 1) * log_every
for name, color in zip(activations, ["black", "tab:blue", "tab:orange", "tab:green"], strict=True):
    curve = curves[name]
    width = 4 if name == "none" else 1.5  # thick, so that it shows under the log 2 line
    ax_race.plot(steps, curve.median(dim=1).values, color=color, linewidth=width, label=name)
    ax_race.fill_between(steps, curve.min(dim=1).values, curve.max(dim=1).values, color=color, alpha=0.2)
ax_race.axhline(coin_flip_loss, color="tab:red", linestyle=":", linewidth=2, label="log 2: a coin flip")
ax_race.set_yscale("log")
ax_race.set_title(f"XOR, m = {m}: median over {num_seeds} seeds, range shaded")
ax_race.set_xlabel("step")
ax_race.set_ylabel("cross-entropy")
ax_race.legend()
fig.tight_layout()
plt.show()

# %% sequential_fix
# In nn.Sequential the activation is a layer object too: nn.ReLU(), with parentheses.
net = torch.nn.Sequential(torch.nn.Linear(2, m), torch.nn.ReLU(), torch.nn.Linear(m, 1))
print(net)

# %% sequential_broken tags=["raises-exception"]
# A common first try: the function torch.relu where nn.Sequential wants a module (wrong on purpose).
net = torch.nn.Sequential(torch.nn.Linear(2, m), torch.relu, torch.nn.Linear(m, 1))  # type: ignore[call-overload]
