"""Worker processes: who makes the batches, and how to seed them.

Spawn-safe: on macOS and Windows a worker process starts by re-running this file
(as `__mp_main__`, not `__main__`). So the pieces a worker needs live in
sine_data.py, and every cell that starts workers does it under
`if __name__ == "__main__":`, which a worker skips.
"""

import os
import random

import torch
from torch.utils.data import DataLoader

from sine_data import Sample, SineDataset, collate_tagged, jitter_std, make_sine_data, seed_worker

N = 10  # tiny: worker processes cost startup time, not the data
num_workers = 2
x_all, y_all = make_sine_data(N, seed=42)  # (N, 1) each, as in pipeline.py


def jitters(batches: list[Sample]) -> list[list[float]]:
    """The jitter added to x in each batch (the augmentation), recovered from the batch."""
    return [((batch["x"] - x_all[batch["index"]]) / jitter_std).flatten().tolist() for batch in batches]


def order(batches: list[Sample]) -> list[list[int]]:
    """The example indices of each batch."""
    return [batch["index"].tolist() for batch in batches]


# %% workers
if __name__ == "__main__":
    dataset = SineDataset(x_all, y_all)
    loader = DataLoader(dataset, batch_size=2, num_workers=num_workers, collate_fn=collate_tagged)
    batches = list(loader)  # starts 2 worker processes, which end with the epoch
    main_pid = os.getpid()
    for batch in batches:
        where = "this process" if batch["pid"].item() == main_pid else "another process"
        print(f"batch {order([batch])} made by worker {batch['worker'].item()}, in {where}")
    worker_pids = {batch["pid"].item() for batch in batches}
    num_worker_pids = len(worker_pids)
    assert num_worker_pids == num_workers and main_pid not in worker_pids  # 2 real processes
    assert [batch["worker"].item() for batch in batches] == [0, 1, 0, 1, 0]  # taking turns

# %% broken_seed
if __name__ == "__main__":
    # A beginner's "reproducible" dataset: it owns a random generator, seeded once.
    seeded_once = SineDataset(x_all, y_all, rng=random.Random(0))
    broken = DataLoader(seeded_once, batch_size=2, num_workers=num_workers, collate_fn=collate_tagged)
    epoch_1, epoch_2 = jitters(list(broken)), jitters(list(broken))
    first = [[round(v, 3) for v in noise] for noise in (epoch_1[0], epoch_1[1], epoch_2[0])]
    print("first batch of each worker, epoch 1:", first[0], first[1], "| epoch 2, worker 0:", first[2])
    for k in (0, 2):  # batches k and k + 1 come from workers 0 and 1: the same draws
        torch.testing.assert_close(torch.tensor(epoch_1[k]), torch.tensor(epoch_1[k + 1]))
    assert epoch_1 == epoch_2  # and every epoch repeats the first: the same "random" jitter
    in_process = jitters(list(DataLoader(seeded_once, batch_size=2)))  # without workers:
    assert len({str(noise) for noise in in_process}) == len(in_process)  # every batch differs
    kept = DataLoader(seeded_once, batch_size=2, num_workers=num_workers, persistent_workers=True)
    kept_1, kept_2 = jitters(list(kept)), jitters(list(kept))  # workers kept: no fresh copy
    torch.testing.assert_close(torch.tensor(kept_1[0]), torch.tensor(kept_1[1]))  # still alike ...
    assert not torch.allclose(torch.tensor(kept_1), torch.tensor(kept_2))  # ... but epoch 2 moves on
    global_stream = DataLoader(SineDataset(x_all, y_all), batch_size=2, num_workers=num_workers)
    global_1, global_2 = jitters(list(global_stream)), jitters(list(global_stream))  # torch's stream:
    assert global_1[0] != global_1[1] and global_1 != global_2  # differs between workers and epochs


# %% fixed_seed
def make_loader(
    seed: int, num_workers: int = num_workers, context: str | None = "fork"
) -> DataLoader[Sample]:
    """A shuffled loader whose order (the sampler) and jitter (the workers) follow one seed."""
    return DataLoader(
        SineDataset(x_all, y_all, rng=random.Random()),  # reseeded in each worker
        batch_size=2,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,  # runs first thing in each worker
        generator=torch.Generator().manual_seed(seed),  # draws the shuffle and the workers' base seed
        multiprocessing_context=context if num_workers > 0 else None,  # fork: explicit, the baseline
    )


if __name__ == "__main__":
    loader_a, loader_b, loader_c = make_loader(seed=7), make_loader(seed=7), make_loader(seed=8)
    batches_a, batches_b, batches_c = list(loader_a), list(loader_b), list(loader_c)
    for name, run in [("seed 7, run 1", batches_a), ("seed 7, run 2", batches_b), ("seed 8", batches_c)]:
        print(f"{name:13s}: order {order(run)}, first jitter {[round(v, 3) for v in jitters(run)[0]]}")
    torch.testing.assert_close(batches_a, batches_b, rtol=0, atol=0)  # same order, same jitter
    assert order(batches_c) != order(batches_a)  # another seed, another order
    noise_epoch_1, noise_epoch_2 = jitters(batches_a), jitters(list(loader_a))
    assert noise_epoch_1[0] != noise_epoch_1[1] and noise_epoch_1 != noise_epoch_2  # workers, epochs differ
    assert order(list(make_loader(seed=7, num_workers=0))) == order(batches_a)  # workers or not

# %% plot_streams
def streams(epochs: list[list[list[float]]]) -> dict[str, list[float]]:
    """Each worker's jitter draws in each epoch, in the order it drew them."""
    return {
        f"worker {k}, epoch {e + 1}": [v for i, noise in enumerate(epoch) if i % num_workers == k for v in noise]
        for k in range(num_workers)
        for e, epoch in enumerate(epochs)
    }


if __name__ == "__main__":
    import matplotlib.pyplot as plt  # here, not at the top: workers re-importing this file skip it

    panels = {"broken: one seeded generator, copied": streams([epoch_1, epoch_2]),
              "fixed: worker_init_fn reseeds it": streams([noise_epoch_1, noise_epoch_2])}
    broken_streams, fixed_streams = panels.values()
    for draws in broken_streams.values():  # broken: every stream is the start of worker 0's in epoch 1
        torch.testing.assert_close(torch.tensor(draws), torch.tensor(broken_streams["worker 0, epoch 1"][: len(draws)]))
    for panel in (broken_streams, fixed_streams):  # worker 0 makes 3 batches of 2 an epoch, worker 1 makes 2
        assert [len(draws) for draws in panel.values()] == [6, 6, 4, 4]
    fixed_draws = [v for draws in fixed_streams.values() for v in draws]
    assert len(set(fixed_draws)) == len(fixed_draws)  # fixed: no draw repeats, in any worker or epoch
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    styles = [("o", 9, "none"), ("s", 5, None), ("x", 9, None), ("+", 12, None)]
    for ax, (title, panel) in zip(axes, panels.items(), strict=True):
        for (label, draws), (marker, size, face) in zip(panel.items(), styles, strict=True):
            ax.plot(range(1, len(draws) + 1), draws, marker=marker, markersize=size, markerfacecolor=face,
                    linestyle=":", label=label)
        ax.set_title(title)
        ax.set_xlabel("draw number within the worker's epoch")
    axes[0].set_ylabel("jitter on x / jitter_std")
    axes[1].legend()
    fig.suptitle("The augmentation jitter each worker draws, two epochs, two workers")
    plt.show()

# %% persistent
if __name__ == "__main__":
    # With persistent_workers=True the base seed is drawn only once, when the workers start,
    # and seed_worker runs only then: each worker's generator runs on from epoch to epoch.
    persistent = DataLoader(
        SineDataset(x_all, y_all, rng=random.Random()), batch_size=2, shuffle=True,
        num_workers=num_workers, worker_init_fn=seed_worker, persistent_workers=True,
        generator=torch.Generator().manual_seed(7), multiprocessing_context="fork",
    )
    epochs = [jitters(list(persistent)) for _ in range(2)]
    # the loader's first draw from its generator is the base seed (the shuffle draws later)
    base_seed = int(torch.empty((), dtype=torch.int64).random_(generator=torch.Generator().manual_seed(7)))
    for k in range(num_workers):  # worker k makes batches k, k + num_workers, ... of every epoch
        drawn = [noise for epoch in epochs for i, noise in enumerate(epoch) if i % num_workers == k]
        worker_rng = random.Random(base_seed + k)  # seeded once, for both epochs
        expected = [[worker_rng.gauss(0.0, 1.0) for _ in noise] for noise in drawn]
        torch.testing.assert_close(torch.tensor(drawn), torch.tensor(expected))

# %% spawn
if __name__ == "__main__":
    spawned = list(make_loader(seed=7, context="spawn"))
    for one, two in zip(spawned, batches_a, strict=True):  # the same batches as with fork
        torch.testing.assert_close(one["x"], two["x"], rtol=0, atol=0)
    num_spawned_batches = len(spawned)
    print(f"spawn: the same {num_spawned_batches} batches, with the same jitter, as fork")
