"""Dataset and DataLoader: one example at a time in, shuffled batches out.

The data is a noisy sine, 1 input and 1 target per example (sine_data.py). The
dataset adds a small random jitter to x on every read (a data augmentation).
No worker processes here: everything runs in this process (num_workers=0).
"""

import torch
from torch.utils.data import DataLoader, default_collate

from sine_data import Sample, SineDataset, collate_tagged, jitter_std, make_sine_data

# Hyperparameters and data settings
N = 10  # tiny on purpose: the point is the pipeline, not the model
batch_size = 4
num_seeds = 20  # seeds per claim about a random process
data_seed = 42
torch.manual_seed(0)  # the global stream, used by the jitter and the unseeded shuffles

x_all, y_all = make_sine_data(N, data_seed)  # (N, 1) each


def epoch_indices(loader: DataLoader[Sample]) -> list[list[int]]:
    """The example indices of every batch of one pass over the loader."""
    return [batch["index"].tolist() for batch in loader]


# %% dataset
dataset = SineDataset(x_all, y_all)
print(f"len(dataset) = {len(dataset)}")
print("dataset[3] =", dataset[3])
print("dataset[3] =", dataset[3], "(read again: a new jitter)")
assert dataset[3]["x"] != dataset[3]["x"] and dataset[3]["y"] == dataset[3]["y"]  # x jittered anew


# %% loader
in_order = DataLoader(dataset, batch_size=batch_size)  # shuffle=False: 0, 1, 2, ...
shuffled = DataLoader(dataset, batch_size=batch_size, shuffle=True)
no_tail = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
for name, loader in [("in order", in_order), ("shuffled", shuffled), ("drop_last", no_tail)]:
    print(f"{name:9s}: {len(loader)} batches", epoch_indices(loader))

first_epoch, second_epoch = epoch_indices(shuffled), epoch_indices(shuffled)
assert first_epoch != second_epoch  # a new shuffle every epoch ...
assert sorted(sum(first_epoch, [])) == list(range(N))  # ... with each example exactly once
num_batches, num_batches_dropped = len(in_order), len(no_tail)
assert num_batches == -(-N // batch_size) and num_batches_dropped == N // batch_size  # ceil, floor

# %% default_collate
batch = next(iter(in_order))  # the default collate stacked each key along a new first dim
print({key: tuple(value.shape) for key, value in batch.items()})
by_hand: Sample = {"index": torch.arange(4), "y": y_all[:4]}  # the first 4 rows, sliced
torch.testing.assert_close(batch["index"], by_hand["index"])
torch.testing.assert_close(batch["y"], by_hand["y"])  # y has no jitter: exact
torch.testing.assert_close(batch["x"], x_all[:batch_size], atol=5 * jitter_std, rtol=0)  # jitter only

# %% collate
samples = [dataset[i] for i in range(batch_size)]
mine, pytorch = collate_tagged(samples), default_collate(samples)
for key in pytorch:  # the hand-written stacking equals PyTorch's, key by key
    torch.testing.assert_close(mine[key], pytorch[key])
print("collate_tagged matches default_collate on", sorted(pytorch))
print("and adds", {key: mine[key].item() for key in ("worker",)}, "(-1: made in the main process)")


# %% order_seeds
def seeded_order(seed: int) -> list[list[int]]:
    """One epoch's batch order from a loader shuffled by its own seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    return epoch_indices(DataLoader(dataset, batch_size=2, shuffle=True, generator=generator))


orders = [seeded_order(seed) for seed in range(num_seeds)]
repeats = [seeded_order(seed) for seed in range(num_seeds)]
num_distinct_orders = len({str(order) for order in orders})
assert orders == repeats and num_distinct_orders == num_seeds
print(f"{num_seeds} seeds: {num_distinct_orders} different orders, each reproduced exactly by its seed")
