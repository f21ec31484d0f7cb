"""Shared pieces of post 2.7: the data, the two models and the one training loop.

The other lessons of this folder import from here, so that logistic regression and the
network see the same points, in the same order, through the same loop.
"""

import math
from collections.abc import Callable

import torch
from torch import nn

torch.set_num_threads(1)  # tiny tensors: one thread is fastest and gives the same sums every run

# Data and hyperparameters, shared by both models
N = 200  # training examples, half in each class
N_val = 1000  # held-out examples from the same two moons, never trained on
noise_std = 0.15  # how far each point is pushed off its moon
m = 16  # width of the network's hidden layer
B = 20  # batch size: N / B = 10 updates per epoch
learning_rate = 1.0  # eta, the same for both models
num_epochs = 50  # 50 epochs x 10 updates = 500 updates
num_seeds = 20  # each seed sets the starting parameters and the batch order
dropout_rate = 0.2  # rho of the dropout network: the chance that a hidden value is zeroed in training

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
bce: Loss = nn.BCEWithLogitsLoss()  # mean cross-entropy, from logits


# %% data
def make_moons(n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles: class 0 on the upper moon, class 1 on the lower."""
    gen = torch.Generator().manual_seed(seed)  # its own generator: the same data in every script
    angle = torch.rand(n, generator=gen) * math.pi  # (n,) position along the half circle
    label = torch.arange(n) % 2  # (n,) 0, 1, 0, 1, ...: balanced classes
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # (n, 2)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)  # (n, 2)
    points = torch.where(label[:, None] == 0, upper, lower) + noise * torch.randn(n, 2, generator=gen)
    return points - torch.tensor([0.5, 0.25]), label.float()[:, None]  # (n, 2) inputs, (n, 1) targets


x, y = make_moons(N, noise_std, seed=0)  # the training set
x_val, y_val = make_moons(N_val, noise_std, seed=1)  # the validation set: same moons, new points


# %% models
def make_model(kind: str, seed: int, width: int = m) -> nn.Module:
    """Logistic regression (no hidden layer), the network, or the network with dropout (post 2.6)."""
    torch.manual_seed(seed)  # the seed fixes the starting parameters (and the dropout masks that follow)
    if kind == "logistic":
        return nn.Linear(2, 1)  # one logit per example: w . x + b
    if kind == "dropout":
        return nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Dropout(dropout_rate), nn.Linear(width, 1))
    return nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1))  # W2 tanh(W1 x + b1) + b2


def num_params(model: nn.Module) -> int:
    """P: how many numbers the optimizer updates."""
    return sum(p.numel() for p in model.parameters())


# %% batches
def batch_order(seed: int) -> torch.Generator:
    """The generator that shuffles the data; its own seed, separate from the init."""
    return torch.Generator().manual_seed(1000 + seed)


def batches(gen: torch.Generator, n: int = N, batch_size: int = B) -> list[torch.Tensor]:
    """One epoch: a fresh shuffle of 0..n-1, cut into index batches of batch_size."""
    order = torch.randperm(n, generator=gen)
    return list(order.split(batch_size))


# %% train_fn
def train(
    model: nn.Module,
    seed: int,
    loss_fn: Loss = bce,
    inputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] = (x, y, x_val, y_val),
    epochs: int = num_epochs,
    lr: float = learning_rate,
) -> dict[str, list[float]]:
    """The loop of module 2 with nn.Module and torch.optim; records losses once per epoch."""
    x_train, y_train, x_held, y_held = inputs
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    gen = batch_order(seed)
    history: dict[str, list[float]] = {"train": [], "val": []}
    for _epoch in range(epochs):
        model.train()  # training mode: dropout (if any) is on
        for idx in batches(gen, len(x_train)):
            loss = loss_fn(model(x_train[idx]), y_train[idx])  # 1. forward, 2. loss
            optimizer.zero_grad()  # bookkeeping: clear .grad, since backward() adds to it
            loss.backward()  # 3. backward
            optimizer.step()  # 4. update: p -= lr * p.grad for every parameter
        model.eval()  # evaluation mode: dropout (if any) is off
        with torch.no_grad():  # bookkeeping: record, on all the data, without building a graph
            history["train"].append(loss_fn(model(x_train), y_train).item())
            history["val"].append(loss_fn(model(x_held), y_held).item())
    return history


# %% accuracy
def accuracy(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction on the right side of the boundary: p_hat > 0.5 exactly when the logit > 0."""
    model.eval()
    with torch.no_grad():
        return ((model(inputs) > 0).float() == targets).float().mean().item()
