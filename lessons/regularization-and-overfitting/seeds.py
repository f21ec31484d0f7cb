"""Plain training, L2, dropout and early stopping, each over the same 24 seeds.

The runs of each method train side by side (batched.py); early stopping reads the plain
runs' validation curves instead of training again.
"""

import matplotlib.pyplot as plt
import torch

from batched import S, forward, per_run_mse, train_runs, x_train, x_val, y_train, y_val
from common import alpha, eval_every, learning_rate, num_steps, patience, rho, stop_point, true_curve

# %% train
steps: torch.Tensor = torch.arange(0, num_steps + 1, eval_every)  # (evals,)
# Plain and L2 (weight_decay = 2 alpha: see weight_decay.py) share one loop of 2 * S runs.
both_train, both_val, both_params = train_runs(dropout_rate=0.0, weight_decay=[0.0, 2 * alpha])
curves: dict[str, tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]] = {
    "plain": (both_train[:, :S], both_val[:, :S], [p[:S] for p in both_params]),
    "L2": (both_train[:, S:], both_val[:, S:], [p[S:] for p in both_params]),
    "dropout": train_runs(dropout_rate=rho, weight_decay=0.0),
}
# Early stopping needs no new run: read each plain run's L_val curve with stop_point.
plain_train, plain_val, _ = curves["plain"]
kept: torch.Tensor = torch.tensor([stop_point(plain_val[:, s].tolist(), patience)[0] for s in range(S)])  # (S,)
early_train, early_val = plain_train[kept, torch.arange(S)], plain_val[kept, torch.arange(S)]
kept_steps: torch.Tensor = steps[kept]

# %% gaps
final_val: dict[str, torch.Tensor] = {name: c[1][-1] for name, c in curves.items()}  # (S,) each
final_gap: dict[str, torch.Tensor] = {name: c[1][-1] - c[0][-1] for name, c in curves.items()}
final_val["early stopping"], final_gap["early stopping"] = early_val, early_val - early_train
print(f"{'method':>14} | L_val - L_train: median [min, max] | L_val: median [min, max]")
for name in final_gap:
    g, v = final_gap[name], final_val[name]
    print(f"{name:>14} | {g.median():6.3f} [{g.min():+.3f}, {g.max():.3f}]       | {v.median():.3f} [{v.min():.3f}, {v.max():.3f}]")
median_gap: list[float] = [final_gap[k].median().item() for k in final_gap]  # plain, L2, dropout, early
median_val: list[float] = [final_val[k].median().item() for k in final_val]
gap_plain, gap_l2, gap_dropout, gap_early = median_gap
val_plain, val_l2, val_dropout, val_early = median_val
plain_rise: float = (plain_val[-1] / plain_val.min(dim=0).values).median().item()  # final / lowest L_val
median_kept_step: int = int(kept_steps.median().item())
print(f"plain runs: final L_val is {plain_rise:.2f} times their lowest (median over {S} seeds)")
print(f"early stopping keeps step {median_kept_step} (median), range {kept_steps.min()}-{kept_steps.max()}")
# The post's claims: each method narrows the median gap and lowers the median L_val.
assert all(gap < 0.6 * median_gap[0] for gap in median_gap[1:])
assert all(val < median_val[0] for val in median_val[1:])
assert plain_rise > 1.2

# %% checks
# Numbers the post quotes besides the table (this cell is not shown on the page).
own_train: torch.Tensor = per_run_mse(true_curve(x_train), y_train)  # (S,): sin(3x)'s own L_train per seed
own_median, own_min, own_max = own_train.median().item(), own_train.min().item(), own_train.max().item()
print(f"sin(3x) itself on the 16 training points: L_train median {own_median:.3f} [{own_min:.3f}, {own_max:.3f}]")
early_below_own: int = int((early_train < own_train).sum())  # checkpoints already fitting noise
print(f"early-stopping checkpoints with L_train below sin(3x)'s own: {early_below_own} of {S}")
demo_seed: int = 2  # the seed of overfit.py
demo_gap: float = final_gap["plain"][demo_seed].item()
demo_rank: int = int((final_gap["plain"] < demo_gap).sum()) + 1  # 1 = smallest gap
print(f"seed {demo_seed}, the single run of the post: plain gap {demo_gap:.3f}, rank {demo_rank} of {S} (smallest first)")
assert early_below_own == S and bool((plain_train[-1] < own_train).all())
# With L2 the median L_train falls, then rises again once the decay takes hold.
l2_median_train = curves["L2"][0].median(dim=1).values  # (evals,)
l2_low: float = l2_median_train.min().item()
l2_low_step: int = int(steps[l2_median_train.argmin()])
l2_end_train: float = l2_median_train[-1].item()
decay_time: int = round(1 / (2 * learning_rate * alpha))  # steps for the decay factor to act
print(f"L2: median L_train lowest {l2_low:.3f} at step {l2_low_step}, {l2_end_train:.3f} at the end")
assert l2_low_step < num_steps // 2 and l2_end_train > 1.3 * l2_low

# %% figure
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True)
for ax, name in zip(axes, ["plain", "L2", "dropout"], strict=True):
    for curve, label, color in [(curves[name][0], "$L_{train}$", "C0"), (curves[name][1], "$L_{val}$", "C1")]:
        ax.fill_between(steps[1:], curve[1:].min(dim=1).values, curve[1:].max(dim=1).values, color=color, alpha=0.2)
        ax.plot(steps[1:], curve[1:].median(dim=1).values, color=color, label=f"{label}: median, range")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title({"plain": "plain", "L2": f"L2, alpha = {alpha}", "dropout": f"dropout, rho = {rho}"}[name])
    ax.set_xlabel("step (log scale)")
axes[0].axvline(median_kept_step, color="black", ls="--", lw=1, label="early stopping (median)")
axes[0].set_ylabel("MSE (log scale)")
axes[0].legend(fontsize=8)
fig.suptitle(f"{S} seeds per method: the band is the range, the line the median")
fig.tight_layout()
plt.show()

plt.figure(figsize=(7, 3.6))
for k, name in enumerate(final_gap):
    jitter = torch.linspace(-0.15, 0.15, S)  # spread the dots sideways so they do not overlap
    plt.scatter(k + jitter, final_gap[name], s=12, alpha=0.6)
    plt.plot([k - 0.3, k + 0.3], [median_gap[k]] * 2, color="black")
plt.axhline(0, color="gray", lw=0.8)
plt.xticks(range(4), list(final_gap))
plt.ylabel("$L_{val} - L_{train}$ at the end")
plt.title(f"The train/validation gap of {S} seeds per method (bar: median)")
plt.show()

# %% train_mode
# The dropout runs, measured on validation data in the wrong mode: dropout still on.
dropout_params = curves["dropout"][2]  # the trained weights of the dropout runs
torch.manual_seed(0)
with torch.no_grad():
    val_train_mode: torch.Tensor = per_run_mse(forward(dropout_params, x_val, rho, True), y_val)  # (S,)
val_eval_mode: torch.Tensor = final_val["dropout"]
worse_runs: int = int((val_train_mode > val_eval_mode).sum())
train_mode_val: float = val_train_mode.median().item()
eval_mode_val: float = val_eval_mode.median().item()
print(f"L_val in train mode: median {train_mode_val:.3f} [{val_train_mode.min():.3f}, {val_train_mode.max():.3f}]")
print(f"L_val in eval mode:  median {eval_mode_val:.3f} [{val_eval_mode.min():.3f}, {val_eval_mode.max():.3f}]")
print(f"train mode is worse in {worse_runs} of {S} runs")
assert worse_runs == S
