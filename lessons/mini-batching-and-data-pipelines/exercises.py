"""Solutions to the exercises of post 2.5, one cell per exercise.

Each cell asserts what its solution claims; run the file to check every answer.
No worker processes here: everything runs in the main process (num_workers=0).
"""

import math
from typing import Any
import statistics
import time

import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

num_seeds = 20  # seeds per claim about a random process
torch.set_num_threads(1)  # steadier timings on a shared machine

# %% solution_1
N, B, num_epochs = 100, 32, 20
data = TensorDataset(torch.arange(N))  # each example is just its own index
skipped_ever_runs: list[int] = []
for run in range(num_seeds):  # 20 runs of 20 shuffled epochs each
    keep_tail, drop_tail = (DataLoader(data, batch_size=B, shuffle=True, drop_last=drop,
                            generator=torch.Generator().manual_seed(run)) for drop in (False, True))
    assert len(keep_tail) == math.ceil(N / B) == 4 and len(drop_tail) == N // B == 3
    assert sorted(torch.cat([b for (b,) in keep_tail]).tolist()) == list(range(N))  # each once
    skipped = [set(range(N)) - set(torch.cat([b for (b,) in drop_tail]).tolist()) for _ in range(num_epochs)]
    assert all(len(s) == N % B for s in skipped) and len({frozenset(s) for s in skipped}) == num_epochs
    skipped_ever_runs.append(len(set().union(*skipped)))
expected_skipped_ever = N * (1 - (1 - (N % B) / N) ** num_epochs)  # skipped with chance 4/100 per epoch
skipped_ever_median = statistics.median(skipped_ever_runs)
skipped_ever_min, skipped_ever_max = min(skipped_ever_runs), max(skipped_ever_runs)
print(f"skipped at least once in {num_epochs} epochs, {num_seeds} runs: median {skipped_ever_median:g}"
      f" (range {skipped_ever_min} to {skipped_ever_max}); expected about {expected_skipped_ever:.1f}")
assert abs(skipped_ever_median - expected_skipped_ever) < 3
assert expected_skipped_ever - 15 < skipped_ever_min and skipped_ever_max < expected_skipped_ever + 15


# %% solution_2
N_big, B_big = 4096, 256
big = TensorDataset(torch.randn(N_big, 1), torch.randn(N_big, 1))


def per_example_loader(seed: int) -> DataLoader[tuple[torch.Tensor, ...]]:
    return DataLoader(big, batch_size=B_big, shuffle=True, generator=torch.Generator().manual_seed(seed))


def batched_loader(seed: int) -> DataLoader[tuple[torch.Tensor, ...]]:
    generator = torch.Generator().manual_seed(seed)
    sampler = BatchSampler(RandomSampler(big, generator=generator), batch_size=B_big, drop_last=False)
    # batch_size=None: no automatic batching; big[list of indices] is already a batch
    return DataLoader(big, sampler=sampler, batch_size=None, generator=generator)


for one, two in zip(per_example_loader(3), batched_loader(3), strict=True):  # the same batches
    torch.testing.assert_close(one, list(two))


# %% solution_2_measure
class Counted(TensorDataset):
    """A TensorDataset that counts how often the loader calls it."""

    calls = 0

    def __getitem__(self, index: int | list[int]) -> tuple[torch.Tensor, ...]:
        self.calls += 1
        return tuple(tensor[index] for tensor in self.tensors)


def calls_per_epoch(per_batch: bool) -> int:
    """The calls one epoch makes on the dataset: per example, or once per batch."""
    counted = Counted(*big.tensors)
    if per_batch:
        sampler = BatchSampler(RandomSampler(counted), batch_size=B_big, drop_last=False)
        loader = DataLoader(counted, sampler=sampler, batch_size=None)
    else:
        loader = DataLoader(counted, batch_size=B_big, shuffle=True)
    for _batch in loader:
        pass
    return counted.calls


calls_per_example, calls_batched = calls_per_epoch(False), calls_per_epoch(True)
assert (calls_per_example, calls_batched) == (N_big, N_big // B_big)  # 4096 calls against 16
print(f"calls of __getitem__ per epoch: {calls_per_example} per example, {calls_batched} per batch")


def epoch_time(loader: DataLoader[tuple[torch.Tensor, ...]]) -> float:
    """The time of one pass over the loader."""
    start = time.perf_counter()
    for _batch in loader:
        pass
    return time.perf_counter() - start


num_passes = 15
ratios = []
for _ in range(num_passes):  # the two loaders alternate, so both see the same machine
    ratios.append(epoch_time(per_example_loader(0)) / epoch_time(batched_loader(0)))
fetch_speedup = statistics.median(ratios)
assert fetch_speedup > 2  # the page says only "several times faster"
print(
    f"the same batches; fetched per batch, an epoch is several times faster (median of {num_passes} passes)"
)


# %% getitems
class WholeBatch(TensorDataset):
    """__getitems__: the loader hands it a batch's list of indices at once."""

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        return tuple(tensor[indices] for tensor in self.tensors)


def as_is(batch: Any) -> Any:
    """A collate_fn that leaves the batch alone: __getitems__ already built it."""
    return batch


whole = WholeBatch(*big.tensors)
wrong = next(iter(DataLoader(whole, batch_size=B_big)))  # the default collate restacks the tuple
right = next(iter(DataLoader(whole, batch_size=B_big, collate_fn=as_is)))
print(
    "default collate:",
    tuple(wrong.shape),
    "| collate_fn=as_is:",
    [tuple(t.shape) for t in right],
)
assert wrong.shape == (2, B_big, 1)  # silently the wrong shape
torch.testing.assert_close(list(right), [tensor[:B_big] for tensor in big.tensors])
