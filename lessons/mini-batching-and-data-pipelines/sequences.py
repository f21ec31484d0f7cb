"""A collate_fn for examples of different lengths: pad, and keep a mask.

Each example is a short sequence of numbers (2 to 6 of them) and its target is
their mean. The default collate cannot stack sequences of different lengths
(the last cell shows it failing); pad_collate pads them with zeros into one
(B, longest) tensor and returns a mask that says which entries are real.
"""

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, default_collate

num_sequences = 8
batch_size = 4
torch.manual_seed(0)

SeqSample = tuple[torch.Tensor, torch.Tensor]  # (values of shape (length,), target of shape ())


# %% data
class SequenceDataset(Dataset[SeqSample]):
    """Sequences of random length; the target of each is its mean."""

    def __init__(self, num: int) -> None:
        lengths = torch.randint(2, 7, (num,)).tolist()
        self.sequences: list[torch.Tensor] = [torch.randn(length) for length in lengths]

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> SeqSample:
        values = self.sequences[index]
        return values, values.mean()


sequences = SequenceDataset(num_sequences)
print("lengths:", [len(sequences[i][0]) for i in range(len(sequences))])


# %% pad
def pad_collate(samples: list[SeqSample]) -> dict[str, torch.Tensor]:
    """Pad the sequences with zeros to the longest one; the mask is True where a value is real."""
    lengths = torch.tensor([len(values) for values, _ in samples])
    padded = torch.zeros(len(samples), int(lengths.max()))
    for row, (values, _) in enumerate(samples):
        padded[row, : len(values)] = values
    mask = torch.arange(padded.shape[1]) < lengths.unsqueeze(1)  # (B, longest)
    targets = torch.stack([target for _, target in samples])
    return {"values": padded, "mask": mask, "lengths": lengths, "target": targets}


tiny = [(torch.tensor([1.0, 2.0]), torch.tensor(1.5)), (torch.tensor([3.0, 4.0, 5.0]), torch.tensor(4.0))]
by_hand = torch.tensor([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]])
torch.testing.assert_close(pad_collate(tiny)["values"], by_hand)

loader = DataLoader(sequences, batch_size=batch_size, collate_fn=pad_collate)
batch = next(iter(loader))  # the first 4 sequences; PyTorch's own padding agrees:
pytorch = pad_sequence([sequences[i][0] for i in range(batch_size)], batch_first=True)
torch.testing.assert_close(batch["values"], pytorch)
print(batch["values"].round(decimals=2))

# A mean over a padded row must skip the padding: divide by the length, not the row width.
naive_mean = batch["values"].mean(dim=1)
masked_mean = (batch["values"] * batch["mask"]).sum(dim=1) / batch["lengths"]
torch.testing.assert_close(masked_mean, batch["target"])  # the true means
naive_error = (naive_mean - batch["target"]).abs().max().item()
print(f"masked mean: exact | naive mean over the padded row: off by up to {naive_error:.2f}")
assert naive_error > 0.1

# %% default_fails tags=["raises-exception"]
default_collate([sequences[i] for i in range(batch_size)])  # what DataLoader does by default
