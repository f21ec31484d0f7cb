"""Shared pieces of post 2.6: the data, the split, the network and its settings.

The other lessons of this folder import from here (`from common import ...`), so they all
see the same data, the same split and the same network.
"""

import math

import torch
from torch import nn

torch.set_num_threads(1)  # the tensors are tiny: extra threads cost more than they save

# Hyperparameters and data settings
N: int = 16  # training examples: few, on purpose
N_val: int = 200  # held-out validation examples: many, so L_val is a sharp measurement
noise_std: float = 0.3  # spread of the noise on every target
noise_variance: float = noise_std**2  # the MSE of a perfect model of sin(3x) on fresh data
m: int = 100  # hidden units: far more than 16 points need
init_spread: float = 10.0  # spread of the first layer's starting weights and biases
learning_rate: float = 0.01
num_steps: int = 4000  # full-batch updates: every step sees all N training points
eval_every: int = 40  # measure L_train and L_val every this many steps
alpha: float = 0.02  # L2 strength
rho: float = 0.5  # dropout rate
patience: int = 5  # early stopping: evaluations without a new best before we stop


# %% data
def true_curve(x: torch.Tensor) -> torch.Tensor:
    """The rule behind the data, which the network never sees: sin(3x)."""
    return torch.sin(3 * x)


def make_data(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n points with x uniform in [-1, 1] and y = sin(3x) plus noise of spread 0.3."""
    x = torch.rand(n, 1, generator=generator) * 2 - 1  # (n, 1): one input per row
    y = true_curve(x) + noise_std * torch.randn(n, 1, generator=generator)  # (n, 1)
    return x, y


# %% split
def split_data(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw N + N_val points, shuffle them, keep N to train on and hold out the rest."""
    generator = torch.Generator().manual_seed(seed)  # its own generator: same data everywhere
    x, y = make_data(N + N_val, generator)  # one pool, drawn the same way
    order = torch.randperm(N + N_val, generator=generator)  # a random order of the rows
    train_rows, val_rows = order[:N], order[N:]  # disjoint: no point is in both
    return x[train_rows], y[train_rows], x[val_rows], y[val_rows]


# %% model
def make_model(dropout_rate: float, seed: int) -> nn.Sequential:
    """1 -> m tanh units -> 1, with dropout on the hidden layer; steep units to start."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(1, m),  # W1 (m, 1), b1 (m,)
        nn.Tanh(),
        nn.Dropout(dropout_rate),  # does nothing when dropout_rate = 0 or in eval mode
        nn.Linear(m, 1),  # W2 (1, m), b2 (1,)
    )
    first, last = model[0], model[3]
    assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
    with torch.no_grad():
        # Large first-layer weights make each tanh a steep step (at x = -b1_j / W1_j): a sum
        # of 100 steep steps can bend sharply enough to pass through every noisy point.
        first.weight.normal_(0, init_spread)
        first.bias.normal_(0, init_spread)
        last.weight.normal_(0, 1 / math.sqrt(m))  # output of spread about 1 at the start
        last.bias.zero_()
    return model


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The series' loss: the mean of the squared misses."""
    return ((prediction - target) ** 2).mean()


# %% stop_point
def stop_point(val_losses: list[float], patience: int) -> tuple[int, int]:
    """Early stopping read off a curve: (index of the checkpoint kept, index where we stop)."""
    best = 0
    for k, loss in enumerate(val_losses):
        if loss < val_losses[best]:
            best = k  # a new best: this is the checkpoint we would save
        elif k - best >= patience:
            return best, k  # patience evaluations without a new best: stop here
    return best, len(val_losses) - 1  # never ran out of patience: the run ended first
