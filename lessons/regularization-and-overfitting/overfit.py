"""A network that overfits on purpose, and early stopping, which keeps its best moment.

16 noisy points, 100 hidden units, 4000 full-batch steps: the training loss keeps falling
while the loss on held-out points turns and climbs.
"""

import copy

import matplotlib.pyplot as plt
import torch

from common import (
    N,
    N_val,
    eval_every,
    learning_rate,
    make_model,
    mse,
    noise_std,
    num_steps,
    patience,
    split_data,
    stop_point,
    true_curve,
)

demo_seed: int = 2  # picked by hand for clear curves; seeds.py ranks it among 24 seeds

# %% data
x_train, y_train, x_val, y_val = split_data(seed=demo_seed)
print(f"train: x {tuple(x_train.shape)} | validation: x {tuple(x_val.shape)}")
assert x_train.shape[0] == N and x_val.shape[0] == N_val

# %% train
model = make_model(dropout_rate=0.0, seed=demo_seed)
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
steps: list[int] = []  # the step of each measurement
train_losses: list[float] = []  # L_train at those steps
val_losses: list[float] = []  # L_val at those steps
for step in range(num_steps + 1):
    if step % eval_every == 0:  # measure first, so entry 0 is the untrained model
        model.eval()  # no effect yet; it will matter once the model has dropout
        with torch.no_grad():  # measuring only: no graph, no gradients
            steps.append(step)
            train_losses.append(mse(model(x_train), y_train).item())
            val_losses.append(mse(model(x_val), y_val).item())
        model.train()
    if step == num_steps:
        break
    loss = mse(model(x_train), y_train)  # the loop of module 1: forward, loss,
    optimizer.zero_grad()
    loss.backward()  # backward,
    optimizer.step()  # update

# %% summary
best = min(range(len(val_losses)), key=lambda k: val_losses[k])  # index of the lowest L_val
best_step: int = steps[best]
best_val: float = val_losses[best]
train_at_best: float = train_losses[best]
final_train: float = train_losses[-1]
final_val: float = val_losses[-1]
print(f"lowest L_val {best_val:.4f} at step {best_step} (L_train there {train_at_best:.4f})")
print(f"after {num_steps} steps: L_train {final_train:.4f} | L_val {final_val:.4f}")
own_train: float = mse(true_curve(x_train), y_train).item()  # sin(3x)'s own L_train on these 16 points
# What the post claims: after the best step, L_train keeps falling while L_val climbs.
assert final_train < 0.5 * train_at_best and final_val > 1.3 * best_val
assert final_train < 0.25 * own_train  # far better than the true curve on its own points: it learned the noise

# %% curves
plt.figure(figsize=(7, 4))
plt.plot(steps, train_losses, label="$L_{train}$ (16 points it learns from)")
plt.plot(steps, val_losses, label="$L_{val}$ (200 held-out points)")
plt.axhline(own_train, color="gray", ls=":", label="$L_{train}$ of sin(3x) itself")
plt.axvline(best_step, color="black", ls="--", lw=1, label=f"lowest $L_{{val}}$, step {best_step}")
plt.yscale("log")
plt.ylim(0.01, 1)
plt.xlabel("step")
plt.ylabel("MSE (log scale)")
plt.title("Training loss keeps falling; validation loss turns and climbs")
plt.legend()
plt.show()

# %% early_stop
es_model = make_model(dropout_rate=0.0, seed=demo_seed)  # the same start as above
optimizer = torch.optim.SGD(es_model.parameters(), lr=learning_rate)
best_so_far = float("inf")
checkpoint = copy.deepcopy(es_model.state_dict())  # a copy, not a view of the live weights
evals_since_best = 0
for step in range(num_steps + 1):
    if step % eval_every == 0:
        es_model.eval()
        with torch.no_grad():
            val_loss = mse(es_model(x_val), y_val).item()
        es_model.train()
        if val_loss < best_so_far:
            best_so_far, evals_since_best = val_loss, 0
            checkpoint = copy.deepcopy(es_model.state_dict())  # keep the best model seen so far
            checkpoint_step = step
        else:
            evals_since_best += 1
            if evals_since_best >= patience:
                break  # no new best for `patience` measurements: stop training
    loss = mse(es_model(x_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
es_model.load_state_dict(checkpoint)  # go back to the best moment
stopped_at: int = step

# %% early_summary
es_model.eval()  # measure in eval mode (no dropout in this network, but the habit matters)
with torch.no_grad():
    early_val: float = mse(es_model(x_val), y_val).item()
    early_train: float = mse(es_model(x_train), y_train).item()
print(f"stopped at step {stopped_at}, kept the checkpoint of step {checkpoint_step}")
print(f"checkpoint: L_train {early_train:.4f} | L_val {early_val:.4f}")
# The loop agrees with the curve of the full run above, read by stop_point.
kept, stop = stop_point(val_losses, patience)
assert (steps[kept], steps[stop]) == (checkpoint_step, stopped_at)
torch.testing.assert_close(early_val, val_losses[kept])
assert early_train < own_train  # even the best checkpoint already fits its points better than sin(3x)
assert stopped_at < num_steps // 4 and early_val < 0.8 * final_val  # far fewer steps, better L_val

# %% fits
grid = torch.linspace(-1, 1, 400)[:, None]  # (400, 1): x values to draw the curves at
model.eval()
es_model.eval()
with torch.no_grad():  # model: the plain run after all its steps; es_model: the checkpoint
    plt.figure(figsize=(7, 4))
    plt.plot(grid, true_curve(grid), color="gray", ls=":", label="the rule, sin(3x)")
    plt.plot(grid, model(grid), label=f"after {num_steps} steps")
    plt.plot(grid, es_model(grid), label=f"early-stopping checkpoint (step {checkpoint_step})")
    plt.scatter(x_train, y_train, color="black", zorder=3, label="the 16 training points")
    plt.scatter(x_val, y_val, color="gray", s=6, alpha=0.4, label="validation points")
plt.ylim(-2, 2)
plt.xlabel("x")
plt.ylabel("y")
plt.title("The long run bends to reach the noisy points")
plt.legend(fontsize=8)
plt.show()

# %% checkpoint_miss
# How far the checkpoint is from sin(3x), and where (not shown on the page).
gap_to_rule = (es_model(grid) - true_curve(grid)).abs().detach()[:, 0]  # (400,)
ckpt_max_miss: float = gap_to_rule.max().item()
ckpt_miss_at: float = grid[gap_to_rule.argmax(), 0].item()
inner_from, inner_to = 0.3, 0.6  # around the training point near x = 0.45
inner = (grid[:, 0] > inner_from) & (grid[:, 0] < inner_to)
ckpt_inner_miss: float = gap_to_rule[inner].max().item()
print(f"checkpoint vs sin(3x): largest miss {ckpt_max_miss:.2f} at x = {ckpt_miss_at:.2f}; {ckpt_inner_miss:.2f} for x in ({inner_from}, {inner_to})")
assert ckpt_max_miss > 0.5 and ckpt_miss_at > 0.9 and ckpt_inner_miss > 0.5
# How near the long run passes to its 16 training points.
with torch.no_grad():
    train_miss = (model(x_train) - y_train).abs()[:, 0]  # (N,)
rms_train_miss: float = train_miss.pow(2).mean().sqrt().item()
largest_train_miss: float = train_miss.max().item()
num_near: int = int((train_miss < 0.1).sum())  # within 0.1 of the point
print(f"after {num_steps} steps: RMS miss on the training points {rms_train_miss:.3f}, largest {largest_train_miss:.2f}")
assert rms_train_miss < 0.5 * noise_std and num_near > N // 2  # near most of them
