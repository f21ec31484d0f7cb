"""Solutions to the exercises of "Implementing a Simple Neural Net from Scratch", one cell each."""

import statistics

import torch

from net import (
    Params, accuracy, backward, bce_with_logits, forward, init_params, m, make_moons, noise_std,
    numerical_gradients, relative_error, train, x, y,
)

# Hyperparameters
learning_rate = 2.0  # as in train.py
num_epochs = 500  # as in train.py
h = 1e-6  # exercise 1: central-difference step in float64
scales: tuple[float, ...] = (0.01, 1.0, 10.0)  # exercise 2: multiples of 1 / sqrt(fan-in)
num_seeds = 20  # exercises 1 and 2: random starts (per scale, in exercise 2)
num_test = 1000  # exercise 2: fresh points the network never trains on
saturation_threshold = 0.99  # exercise 2: a unit with |a1| above this sits on a flat tail of tanh

torch.manual_seed(0)


# %% solution_1
# The check, in float64, with the slip: forward's results unpacked in the wrong order.
p64: Params = {name: p.double() for name, p in init_params(m).items()}
x64, y64 = x.double(), y.double()
a1, _, z2 = forward(x64, p64)  # the slip: forward returns (z1, a1, z2), so a1 gets z1
buggy = backward(x64, y64, p64, a1, z2)
numerical = numerical_gradients(p64, x64, y64, h)
bug_errors = {name: relative_error(buggy[name], numerical[name]) for name in p64}
print("relative errors: " + " | ".join(f"{name} {error:.1e}" for name, error in bug_errors.items()))

# Training with it: the loop of net.train(), with the same slip.
torch.manual_seed(0)
params = init_params(m)
buggy_losses: list[float] = []
for _epoch in range(num_epochs):
    a1, _, z2 = forward(x, params)  # the slip
    buggy_losses.append(bce_with_logits(z2, y).item())
    grads = backward(x, y, params, a1, z2)
    for name in params:
        params[name] -= learning_rate * grads[name]
buggy_accuracy: float = accuracy(forward(x, params)[2], y)
buggy_nan_epoch = next(epoch for epoch, loss in enumerate(buggy_losses) if loss != loss)  # nan != nan
buggy_lowest_loss = min(buggy_losses[:buggy_nan_epoch])
buggy_lowest_epoch = buggy_losses.index(buggy_lowest_loss)
print(f"lowest loss {buggy_lowest_loss:.4f} at epoch {buggy_lowest_epoch} | first nan at epoch {buggy_nan_epoch}")
buggy_all_nan = all(p.isnan().all().item() for p in params.values())
print(f"after {num_epochs} epochs every parameter is nan: {buggy_all_nan}; accuracy {buggy_accuracy:.0%}")


def first_nan_epoch(seed: int) -> int:
    """The slipped loop from the start of this seed; the first epoch whose loss is nan."""
    torch.manual_seed(seed)
    params = init_params(m)
    for epoch in range(num_epochs):
        a1, _, z2 = forward(x, params)  # the slip
        if bce_with_logits(z2, y).isnan():
            return epoch
        grads = backward(x, y, params, a1, z2)
        for name in params:
            params[name] -= learning_rate * grads[name]
    return num_epochs  # never: no seed gets here (checked below)


nan_epochs = [first_nan_epoch(seed) for seed in range(num_seeds)]
median_nan_epoch = statistics.median(nan_epochs)
min_nan_epoch, max_nan_epoch = min(nan_epochs), max(nan_epochs)
print(f"{num_seeds} seeds: first nan at epoch median {median_nan_epoch}, range {min_nan_epoch} to {max_nan_epoch}")

# %% solution_1_checks
# The first dip: the loss falls until this epoch, then rises for a while.
buggy_dip_epoch = next(e for e in range(1, buggy_nan_epoch) if buggy_losses[e + 1] > buggy_losses[e])
buggy_dip_loss = buggy_losses[buggy_dip_epoch]
buggy_bump_loss = max(buggy_losses[buggy_dip_epoch:buggy_lowest_epoch])  # the wobble up between
buggy_bump_epoch = buggy_losses.index(buggy_bump_loss)
# The largest pre-activation: a spike, a recovery, then the blow-up. The same slipped run
# again, recording per epoch the largest |z1| and the share of pre-activations with |z1| > 1.
torch.manual_seed(0)
params = init_params(m)
buggy_z1_max: list[float] = []
buggy_z1_share: list[float] = []
for _epoch in range(num_epochs):
    z1, _, z2 = forward(x, params)
    buggy_z1_max.append(z1.abs().max().item())
    buggy_z1_share.append((z1.abs() > 1).float().mean().item())
    grads = backward(x, y, params, z1, z2)  # the slip: z1 where a1 belongs
    for name in params:
        params[name] -= learning_rate * grads[name]
buggy_z1_start = buggy_z1_max[0]
buggy_spike = max(buggy_z1_max[:buggy_lowest_epoch])
buggy_spike_epoch = buggy_z1_max.index(buggy_spike)
buggy_recovered = min(buggy_z1_max[buggy_spike_epoch:buggy_lowest_epoch])
buggy_recovered_epoch = buggy_z1_max.index(buggy_recovered)
buggy_share_low = min(buggy_z1_share[: buggy_nan_epoch - 1])
buggy_share_high = max(buggy_z1_share[: buggy_nan_epoch - 1])
# The blow-up: the first epoch after the recovery whose largest |z1| is ten times the spike.
buggy_late_epoch = next(e for e in range(buggy_recovered_epoch, num_epochs) if buggy_z1_max[e] > 10 * buggy_spike)
buggy_late_z1 = buggy_z1_max[buggy_late_epoch]
bug_error_W1, bug_error_W2, bug_error_b2 = bug_errors["W1"], bug_errors["W2"], bug_errors["b2"]
assert min(bug_errors["W1"], bug_errors["b1"], bug_errors["W2"]) > 1e-2 and bug_errors["b2"] < 1e-7
assert buggy_lowest_epoch < buggy_nan_epoch and buggy_all_nan
assert buggy_dip_epoch < buggy_bump_epoch < buggy_lowest_epoch and buggy_lowest_loss < buggy_dip_loss < buggy_bump_loss
assert buggy_spike > 20 * buggy_z1_start and buggy_recovered < 0.1 * buggy_spike  # a spike, then a recovery
assert buggy_spike_epoch < buggy_recovered_epoch < buggy_lowest_epoch < buggy_late_epoch
assert buggy_late_epoch < buggy_nan_epoch  # then the blow-up, to nan
assert buggy_share_low > 0.05 and buggy_share_high < 0.15  # the share past 1 barely moves before it
assert nan_epochs[0] == buggy_nan_epoch and max_nan_epoch < num_epochs  # every seed ends in nan
assert buggy_accuracy == 0.5  # an artefact: nan > 0 is False, so every point is called class 0


# %% solution_2
def unit_alignment(params: Params) -> float:
    """Smallest |cosine| between row 0 of W1 and any other row: 1 means all parallel."""
    rows = params["W1"] / params["W1"].norm(dim=1, keepdim=True)  # (m, 2) unit vectors
    return (rows @ rows[0]).abs().min().item()


x_test, y_test = make_moons(num_test, noise_std, seed=1)  # same moons, new points
results: dict[float, dict[str, list[float]]] = {}
for scale in scales:
    results[scale] = {"train": [], "test": [], "alignment": [], "saturated": []}
    for seed in range(num_seeds):
        torch.manual_seed(seed)
        params = init_params(m, scale)
        a1_start = forward(x, params)[1]  # (N, m) activations at the start
        results[scale]["saturated"].append((a1_start.abs() > saturation_threshold).float().mean().item())  # on a flat tail
        train(params, learning_rate, num_epochs)
        results[scale]["train"].append(accuracy(forward(x, params)[2], y))
        results[scale]["test"].append(accuracy(forward(x_test, params)[2], y_test))
        results[scale]["alignment"].append(unit_alignment(params))
for scale, r in results.items():  # median (min to max) over the seeds
    accuracies = " | ".join(f"{k} {statistics.median(r[k]):.3f} ({min(r[k]):.3f} to {max(r[k]):.3f})" for k in ("train", "test"))
    print(f"scale {scale:5} | {accuracies} | alignment {statistics.median(r['alignment']):.2f}"
          f" | |a1| > {saturation_threshold} at start {statistics.median(r['saturated']):.1%}")

# %% solution_2_checks
# What the post says about these numbers.
median_train = {scale: statistics.median(r["train"]) for scale, r in results.items()}
median_test = {scale: statistics.median(r["test"]) for scale, r in results.items()}
median_alignment = {scale: statistics.median(r["alignment"]) for scale, r in results.items()}
tiny_train, tiny_test = median_train[0.01], median_test[0.01]
large_train_min, large_train_max = min(results[10.0]["train"]), max(results[10.0]["train"])
one_train_min = min(results[1.0]["train"])
one_test, large_test = median_test[1.0], median_test[10.0]
alignment_tiny, alignment_one = median_alignment[0.01], median_alignment[1.0]
assert max(results[0.01]["train"]) < min(results[1.0]["train"]) - 0.05  # tiny: every seed stuck
assert median_alignment[0.01] > 0.95 > 0.5 > median_alignment[1.0]  # tiny: units nearly parallel
assert median_train[10.0] >= median_train[1.0] and large_train_min < min(results[1.0]["train"])  # large: wider
assert median_test[10.0] <= median_test[1.0]  # ... and no better on new points
one_train, large_train = median_train[1.0], median_train[10.0]
assert large_train > one_train  # the median fits the training points better too
median_saturated = {scale: statistics.median(r["saturated"]) for scale, r in results.items()}
one_saturated, large_saturated = median_saturated[1.0], median_saturated[10.0]
assert median_saturated[0.01] == 0.0 and large_saturated > 0.5 > 0.05 > one_saturated  # large: on the tails from the start
