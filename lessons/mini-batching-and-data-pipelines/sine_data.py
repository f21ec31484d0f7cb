"""The data pipeline's pieces, shared by the lessons of this post (they import them).

They live at the top level of a module of their own because worker processes must
find them: under "spawn" (macOS, Windows) a worker re-imports them by name.
Importing this file runs nothing but definitions.
"""

import os
import random

import torch
from torch.utils.data import Dataset, get_worker_info

Sample = dict[str, torch.Tensor]  # what the dataset returns for one example
jitter_std = 0.05  # the spread of the random jitter added to x (the augmentation)


def make_sine_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n noisy points of y = sin(3x), x uniform in [-1, 1]; both (n, 1)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=generator) * 2 - 1
    y = torch.sin(3 * x) + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y


# %% dataset
class SineDataset(Dataset[Sample]):
    """A map-style dataset: a length, and the example at any index 0 .. N - 1."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, rng: random.Random | None = None) -> None:
        self.x, self.y = x, y
        self.rng = rng  # None: draw from torch's global random stream

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> Sample:
        # A fresh jitter on every read: the same example looks a little different each epoch.
        noise = torch.randn(1) if self.rng is None else torch.tensor([self.rng.gauss(0.0, 1.0)])
        return {"index": torch.tensor(index), "x": self.x[index] + jitter_std * noise, "y": self.y[index]}


# %% collate
def collate_tagged(samples: list[Sample]) -> Sample:
    """Stack the samples key by key, as default_collate does, and tag the batch with who made it."""
    batch = {key: torch.stack([sample[key] for sample in samples]) for key in samples[0]}
    info = get_worker_info()  # None in the main process
    batch["worker"] = torch.tensor(-1 if info is None else info.id)
    batch["pid"] = torch.tensor(os.getpid())  # the id of the process that ran this function
    return batch


# %% seed
def seed_worker(worker_id: int) -> None:
    """worker_init_fn: reseed the dataset's own generator from this worker's seed."""
    info = get_worker_info()
    assert info is not None and isinstance(info.dataset, SineDataset)
    if info.dataset.rng is not None:
        info.dataset.rng.seed(info.seed)  # base seed + worker id; base seed new each epoch, unless workers persist
