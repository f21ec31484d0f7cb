"""Train the from-scratch network on the two moons and watch its decision boundary form.

New in this lesson: the loss of a classifier (binary cross-entropy from logits), checked
against PyTorch's; what goes wrong with the textbook formula; and the module-1 loop run on
a network whose four parameter tensors live in a dict.
"""

import statistics

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from net import Params, accuracy, bce_with_logits, forward, init_params, m, train, x, y

# Hyperparameters
learning_rate = 2.0  # eta
num_epochs = 500  # full batch: one update per epoch
panel_epochs: tuple[int, ...] = (0, 10, 30, 100, 300, 500)  # epochs shown in the small multiples
num_seeds = 20  # random starts for the "is this run typical?" check

torch.manual_seed(0)

# %% check_loss
# On the large logits of a network with weights ten times too big.
_, _, z2_check = forward(x, init_params(m, scale=10.0))
ours = bce_with_logits(z2_check, y)
theirs = F.binary_cross_entropy_with_logits(z2_check, y)
torch.testing.assert_close(ours, theirs)
print(f"ours {ours.item():.6f} | F.binary_cross_entropy_with_logits {theirs.item():.6f}")

# %% naive_loss
# The textbook formula, -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z).
z = torch.tensor([[2.0], [-30.0], [30.0]], requires_grad=True)  # logits
target = torch.tensor([[1.0], [1.0], [0.0]])  # the last two are confidently wrong
p_hat = torch.sigmoid(z)
naive = -(target * torch.log(p_hat) + (1 - target) * torch.log(1 - p_hat))  # per example
naive.sum().backward()
assert z.grad is not None  # set by backward()
naive_grad = z.grad.clone()
stable = bce_with_logits(z[2:], target[2:])  # the third example alone
print(f"sigmoid(30) = {p_hat[2].item()} in float32")
print(f"naive: losses {[round(v, 4) for v in naive.flatten().tolist()]}, gradients {naive_grad.flatten().tolist()}")
print(f"from the logit, third example: loss {stable.item():.1f}, gradient {(p_hat[2] - target[2]).item():.1f}")

# %% naive_loss_checks
assert naive[2].isinf() and naive_grad[2].isnan() and stable.item() == 30.0
assert naive[1].isfinite()  # sigmoid(-30) is tiny but not 0 in float32: this one survives

# %% run
torch.manual_seed(0)  # the same start as seed 0 in initialisation.py
params: Params = init_params(m)  # random, scaled by 1 / sqrt(fan-in)
losses, accuracies = train(params, learning_rate, num_epochs)
for epoch in (0, 10, 100, 300):
    print(f"epoch {epoch:3d} | loss {losses[epoch]:.4f} | accuracy {accuracies[epoch]:.3f}")
_, _, z2_final = forward(x, params)
final_loss: float = bce_with_logits(z2_final, y).item()
final_accuracy: float = accuracy(z2_final, y)
print(f"after {num_epochs} epochs | loss {final_loss:.4f} | accuracy {final_accuracy:.3f}")

# %% panels
# The same run again, in stages, keeping a copy of the parameters at each panel's epoch.
torch.manual_seed(0)
staged: Params = init_params(m)
snapshots: dict[int, Params] = {0: {name: p.clone() for name, p in staged.items()}}
for start, stop in zip(panel_epochs[:-1], panel_epochs[1:], strict=True):
    train(staged, learning_rate, stop - start)
    snapshots[stop] = {name: p.clone() for name, p in staged.items()}
for name in params:
    torch.testing.assert_close(staged[name], params[name], rtol=0, atol=0)  # the very same run

# p_hat on a grid of points covering the data, for each snapshot.
g1, g2 = torch.meshgrid(torch.linspace(-2, 2, 161), torch.linspace(-1.5, 1.5, 121), indexing="xy")
grid: torch.Tensor = torch.stack([g1.flatten(), g2.flatten()], dim=1)  # (161 * 121, 2)
panel_accuracy: dict[int, float] = {}
fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharex=True, sharey=True)
for ax, epoch in zip(axes.flat, panel_epochs, strict=True):
    snapshot = snapshots[epoch]
    p_grid = torch.sigmoid(forward(grid, snapshot)[2]).reshape(g1.shape)
    panel_accuracy[epoch] = accuracy(forward(x, snapshot)[2], y)
    ax.contourf(g1, g2, p_grid, levels=torch.linspace(0, 1, 11).tolist(), cmap="RdBu_r", alpha=0.6)
    ax.contour(g1, g2, p_grid, levels=[0.5], colors="black", linewidths=1.5)  # the boundary
    for label, color in ((0, "tab:blue"), (1, "tab:red")):  # class 0 in blue, class 1 in red
        points = x[y[:, 0] == label]
        ax.scatter(points[:, 0], points[:, 1], color=color, edgecolors="white", linewidths=0.5, s=16)
    ax.set_title(f"epoch {epoch}: {panel_accuracy[epoch]:.1%} correct")
for ax in axes[1]:
    ax.set_xlabel("input 1")
for ax in axes[:, 0]:
    ax.set_ylabel("input 2")
fig.suptitle("The decision boundary (black, p_hat = 0.5) bends as training goes on")
fig.tight_layout()
plt.show()

# %% curves
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.semilogy(losses)
left.set_title("Loss (log scale)")
left.set_xlabel("epoch")
left.set_ylabel("cross-entropy")
right.plot(accuracies)
right.scatter(panel_epochs[:-1], [accuracies[e] for e in panel_epochs[:-1]], color="black", zorder=3, s=15)
right.set_title("Accuracy; dots at the epochs of the panels")
right.set_xlabel("epoch")
right.set_ylabel("fraction correct")
fig.tight_layout()
plt.show()

# %% seeds
# Is seed 0 typical? The training accuracy at epochs 10 and 100 over num_seeds random starts.
seed_accuracy_10: list[float] = []
seed_accuracy_100: list[float] = []
for seed in range(num_seeds):
    torch.manual_seed(seed)
    seed_accuracies = train(init_params(m), learning_rate, 101)[1]  # entry e: after e updates
    seed_accuracy_10.append(seed_accuracies[10])
    seed_accuracy_100.append(seed_accuracies[100])
median_accuracy_10, median_accuracy_100 = statistics.median(seed_accuracy_10), statistics.median(seed_accuracy_100)
min_accuracy_10, max_accuracy_10 = min(seed_accuracy_10), max(seed_accuracy_10)
min_accuracy_100, max_accuracy_100 = min(seed_accuracy_100), max(seed_accuracy_100)
print(f"{num_seeds} seeds | epoch 10: median {median_accuracy_10:.3f} ({min_accuracy_10:.3f} to {max_accuracy_10:.3f})"
      f" | epoch 100: median {median_accuracy_100:.3f} ({min_accuracy_100:.3f} to {max_accuracy_100:.3f})")
assert seed_accuracy_10[0] == panel_accuracy[10] and seed_accuracy_100[0] == panel_accuracy[100]  # seed 0 is the run above
assert min_accuracy_10 > 0.85 and median_accuracy_100 >= median_accuracy_10 + 0.05
assert all(b > a for a, b in zip(seed_accuracy_10, seed_accuracy_100, strict=True))  # every seed gains

# %% checks
# Every claim the post makes about this run (this cell is not shown in the post).
initial_loss: float = losses[0]
initial_accuracy: float = accuracies[0]
accuracy_10: float = panel_accuracy[10]
accuracy_100: float = panel_accuracy[100]
assert abs(initial_loss - torch.log(torch.tensor(2.0)).item()) < 0.15  # near log 2: p_hat near 0.5
assert final_loss < initial_loss / 20
accuracy_30: float = panel_accuracy[30]
assert accuracy_10 > 0.85 and accuracy_100 >= accuracy_10 + 0.05
assert all(panel_accuracy[a] <= panel_accuracy[b] for a, b in zip(panel_epochs[:-1], panel_epochs[1:], strict=True))
assert final_accuracy >= 0.985
assert panel_accuracy[num_epochs] == final_accuracy
falls = sum(later < earlier for earlier, later in zip(losses[:-1], losses[1:], strict=True))
assert falls == num_epochs - 1  # the loss fell at every epoch
max_logit: float = z2_final.abs().max().item()
assert max_logit > 17  # float32's sigmoid rounds to exactly 1 above about 17
assert torch.sigmoid(torch.tensor(17.0)).item() == 1.0
# The loss keeps falling after the accuracy has settled: the network grows more confident.
loss_300: float = losses[300]
assert accuracies[300] >= 0.99 and final_loss < 0.8 * loss_300
