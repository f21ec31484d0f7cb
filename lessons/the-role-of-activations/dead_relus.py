"""A beginner's ReLU network with the learning rate turned up: its hidden units die.

New in this lesson: the dead fraction, measured at every step. A unit is dead when its
pre-activation z is <= 0 on every training example, so ReLU outputs 0 for all of them.
"""

import itertools
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from common import Activation, X, y

# Settings (the network of compare.py: 2 inputs, m hidden units, 1 logit)
m: int = 16
num_seeds: int = 20
num_steps: int = 300
too_large: float = 20.0  # the beginner's learning rate: "bigger steps, faster training"
fixed: float = 2.0  # the fix: a step ten times smaller


# %% train
def train(learning_rate: float, phi: Activation = torch.relu) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Train num_seeds networks; return the final loss and accuracy per seed and the dead mask at every step."""
    g = torch.Generator().manual_seed(1)  # the same 20 starting points as compare.py
    W1 = (torch.randn(num_seeds, 2, m, generator=g) / math.sqrt(2)).requires_grad_()
    W2 = (torch.randn(num_seeds, m, 1, generator=g) / math.sqrt(m)).requires_grad_()
    b1 = torch.zeros(num_seeds, 1, m, requires_grad=True)
    b2 = torch.zeros(num_seeds, 1, 1, requires_grad=True)
    dead_history: list[torch.Tensor] = []  # (num_seeds, m) booleans, one per step
    for step in range(num_steps + 1):
        z1 = X @ W1 + b1  # (S, N, m)
        logits = (phi(z1) @ W2 + b2).squeeze(-1)  # (S, N)
        loss = F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(dim=1)
        dead = (z1 <= 0).all(dim=1).detach()  # (S, m): off on all N examples
        dead_history.append(dead)
        if step == num_steps:
            break
        loss.sum().backward()
        assert W1.grad is not None and b1.grad is not None  # set by backward()
        if phi is torch.relu:  # a dead unit's incoming weights and bias get exactly zero gradient
            assert (W1.grad.abs().sum(dim=1)[dead] == 0).all() and (b1.grad[:, 0][dead] == 0).all()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                assert p.grad is not None  # set by backward()
                p -= learning_rate * p.grad
                p.grad = None
    accuracy = ((logits > 0).float() == y).float().mean(dim=1)
    return loss.detach(), accuracy, dead_history


# %% broken
broken_loss, broken_accuracy, broken_dead = train(too_large)
dead_per_seed: torch.Tensor = broken_dead[-1].float().mean(dim=1)  # (num_seeds,) fraction of m
broken_dead_median: float = dead_per_seed.median().item()
broken_dead_min: float = dead_per_seed.min().item()
broken_dead_max: float = dead_per_seed.max().item()
broken_accuracy_median: float = broken_accuracy.median().item()
broken_accuracy_max: float = broken_accuracy.max().item()
print(f"learning rate {too_large}: dead units {broken_dead_median:.0%} [{broken_dead_min:.0%}, {broken_dead_max:.0%}]"
      f" | accuracy {broken_accuracy_median:.3f} [{broken_accuracy.min():.3f}, {broken_accuracy_max:.3f}]"
      f" | loss {broken_loss.median():.3f}")
assert broken_dead[0].sum() == 0  # nothing is dead at the start ...
assert broken_dead_median > 0.75 and broken_accuracy_max < 0.9  # ... most are at the end, and it shows

# %% curvature
# How far past the stability limit 2 / lambda_max of linear regression is learning rate 20?
# lambda_max: the largest eigenvalue of the Hessian of the loss in all 65 parameters, at the start.
def start_loss(flat: torch.Tensor) -> torch.Tensor:
    """The training loss of one network whose 65 parameters are packed into a vector."""
    W1_, b1_, W2_, b2_ = flat[:2 * m].reshape(2, m), flat[2 * m:3 * m], flat[3 * m:4 * m], flat[4 * m]
    logits = torch.relu(X.double() @ W1_ + b1_) @ W2_ + b2_
    return F.binary_cross_entropy_with_logits(logits, y.double())


g0 = torch.Generator().manual_seed(1)  # the starting points of train()
W1_start = torch.randn(num_seeds, 2, m, generator=g0) / math.sqrt(2)
W2_start = torch.randn(num_seeds, m, 1, generator=g0) / math.sqrt(m)
lambda_max: torch.Tensor = torch.stack([
    torch.linalg.eigvalsh(torch.autograd.functional.hessian(start_loss, torch.cat(
        [W1_start[s].flatten(), torch.zeros(m), W2_start[s].flatten(), torch.zeros(1)]).double())).max()
    for s in range(num_seeds)])
lambda_max_median: float = lambda_max.median().item()
limit_median: float = 2 / lambda_max_median
limit_max: float = 2 / lambda_max.min().item()
times_past: float = too_large / limit_median
fixed_past: int = int((fixed > 2 / lambda_max).sum())  # seeds where even the fix starts above the limit
print(f"lambda_max at the start: median {lambda_max_median:.2f} [{lambda_max.min():.2f}, {lambda_max.max():.2f}];"
      f" 2 / lambda_max: median {limit_median:.2f}, at most {limit_max:.2f}")
print(f"learning rate {too_large} is {times_past:.0f} times the median limit;"
      f" learning rate {fixed} is above the limit for {fixed_past} of {num_seeds} seeds")
assert too_large > 5 * limit_max  # far past the limit for every seed

# %% why
# Once dead, always dead: a dead unit passes no gradient back (ReLU'(z) = 0 on every example),
# so its weights and bias never change again, and with fixed inputs it stays off.
for before, after in itertools.pairwise(broken_dead):
    assert (after | ~before).all()  # every unit dead at step t is still dead at step t + 1
died_by_step: list[int] = [int(d.sum()) for d in broken_dead]
first_death_step: int = next(t for t, n in enumerate(died_by_step) if n > 0)
assert died_by_step[10] > 0.8 * died_by_step[-1]  # most deaths happen in the first ten steps
print(f"units dead (all 20 networks together) at steps 0-10: {died_by_step[:11]} of {num_seeds * m}")
print(f"no unit ever came back to life in {num_steps} steps")

# %% fix
fixed_loss, fixed_accuracy, fixed_dead = train(fixed)
fixed_dead_max: float = fixed_dead[-1].float().mean(dim=1).max().item()
fixed_accuracy_min: float = fixed_accuracy.min().item()
print(f"learning rate {fixed}: dead units at most {fixed_dead_max:.0%} in any network"
      f" | accuracy {fixed_accuracy.median():.3f} [{fixed_accuracy_min:.3f}, {fixed_accuracy.max():.3f}]"
      f" | loss {fixed_loss.median():.4f}")
assert fixed_dead_max <= 0.1 and fixed_accuracy_min == 1.0

# %% plot
fig, ax = plt.subplots(figsize=(8, 4))
for lr, history in ((too_large, broken_dead), (fixed, fixed_dead)):
    fractions = torch.stack([d.float().mean(dim=1) for d in history])  # (steps + 1, num_seeds)
    line, = ax.plot(fractions.median(dim=1).values.numpy(), label=f"learning rate {lr}: median")
    ax.fill_between(range(num_steps + 1), fractions.min(dim=1).values.numpy(), fractions.max(dim=1).values.numpy(),
                    color=line.get_color(), alpha=0.2, label=f"learning rate {lr}: range over {num_seeds} seeds")
ax.set_xscale("symlog", linthresh=10)
ax.set_title(f"Dead ReLU units in a 2-{m}-1 network on two moons")
ax.set_xlabel("step (linear up to 10, then log)")
ax.set_ylabel("fraction of hidden units dead")
ax.set_ylim(-0.02, 1.02)
ax.legend(loc="center right")
fig.tight_layout()
plt.show()
