"""Solutions to the exercises of post 2.6."""

import copy

import torch

from batched import S, per_run_mse, train_runs
from batched import x_train as x_train_all  # (S, N, 1): the training points of every seed
from batched import y_train as y_train_all
from common import alpha, learning_rate, make_model, mse, split_data, true_curve

x_train, y_train, x_val, y_val = split_data(seed=2)

# %% solution_1
# Two "checkpoints" at snapshot_step: state_dict() itself, and a deep copy of it.
snapshot_step: int = 120  # where overfit.py finds the lowest L_val
end_step: int = 320  # where its early-stopping loop stops
model = make_model(dropout_rate=0.0, seed=2)
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for step in range(end_step):
    if step == snapshot_step:
        no_copy = model.state_dict()  # the slip: these tensors ARE the live weights
        deep_copy = copy.deepcopy(model.state_dict())
        model.eval()  # measure in eval mode, then back to training
        with torch.no_grad():
            val_at_snapshot: float = mse(model(x_val), y_val).item()
        model.train()
    loss = mse(model(x_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()  # changes the weights in place, and so the tensors in no_copy
model.eval()
fresh = make_model(dropout_rate=0.0, seed=0)
fresh.eval()
with torch.no_grad():
    val_at_end: float = mse(model(x_val), y_val).item()
    fresh.load_state_dict(no_copy)
    no_copy_val: float = mse(fresh(x_val), y_val).item()
    fresh.load_state_dict(deep_copy)
    deep_copy_val: float = mse(fresh(x_val), y_val).item()
print(f"L_val at step {snapshot_step}: {val_at_snapshot:.4f} | at step {end_step}: {val_at_end:.4f}")
print(f"loaded back: no copy {no_copy_val:.4f} | deep copy {deep_copy_val:.4f}")
torch.testing.assert_close(no_copy_val, val_at_end)  # the last weights, not the snapshot
torch.testing.assert_close(deep_copy_val, val_at_snapshot)

# %% solution_2
# Five times the L2, same seeds and steps; both strengths train in one loop of 2 * S runs.
big_alpha: float = 5 * alpha
train_curve, val_curve, _ = train_runs(dropout_rate=0.0, weight_decay=[2 * big_alpha, 2 * alpha])
l_train, l_val = train_curve[-1].view(2, S), val_curve[-1].view(2, S)  # row 0: big_alpha
medians = [t.median(dim=1).values.tolist() for t in (l_train, l_val, l_val - l_train)]
(big_train, ok_train), (big_val, ok_val), (big_gap, ok_gap) = medians
print(f"L_train {big_train:.3f} vs {ok_train:.3f} | L_val {big_val:.3f} vs {ok_val:.3f} | gap {big_gap:.3f} vs {ok_gap:.3f}")
underfit_seeds: int = int((l_train[0] > per_run_mse(true_curve(x_train_all), y_train_all)).sum())  # vs sin(3x)
worse_seeds: int = int((l_val[0] > l_val[1]).sum())
assert underfit_seeds == worse_seeds == S  # it underfits, on every seed
assert abs(big_gap - ok_gap) < 0.25 * ok_gap and big_val > 2 * ok_val  # same gap, far worse model
