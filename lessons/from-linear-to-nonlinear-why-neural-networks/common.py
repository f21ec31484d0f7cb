"""Shared pieces of post 2.1: the three data sets, the models and the module-1 loop.

The other lessons of this folder import from here (`from common import ...`), so they all
see the same data and the same loop.
"""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # the tensors are tiny: extra threads cost more than they save
N: int = 200  # examples per data set
sine_noise_std: float = 0.1  # spread of the noise added to the sine
sine_noise_variance: float = sine_noise_std**2  # what sin(2x) itself scores on average, over many samples
Model = Callable[[torch.Tensor, list[torch.Tensor]], torch.Tensor]
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# %% data
def make_sine(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x uniform in [-3, 3], y = sin(2x) plus noise of spread 0.1: two bumps up, two down."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=gen) * 6 - 3  # (n, 1): one input per example
    y = torch.sin(2 * x[:, 0]) + sine_noise_std * torch.randn(n, generator=gen)  # (n,)
    return x, y


def make_xor(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Four clouds around (+-1, +-1); label 1 where x1 and x2 have the same sign."""
    gen = torch.Generator().manual_seed(seed)
    corners = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    x = corners[torch.arange(n) % 4] + 0.3 * torch.randn(n, 2, generator=gen)  # (n, 2)
    y = (x[:, 0] * x[:, 1] > 0).float()  # (n,) the XOR rule, applied after the noise
    return x, y


def make_moons(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interlocking half circles; label 1 for the lower one."""
    gen = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()  # (n,) 0, 1, 0, 1, ...
    t = torch.rand(n, generator=gen) * math.pi  # angle along the half circle
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
    x = torch.where(y.bool().unsqueeze(1), lower, upper) + 0.1 * torch.randn(n, 2, generator=gen)
    return x - torch.tensor([0.5, 0.25]), y  # centred near the origin


# %% models
def linear(x: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """The module-1 model: w . x + b, one number per example (a prediction, or a logit)."""
    w, b = params
    return x @ w + b


def mlp(
    x: torch.Tensor, params: list[torch.Tensor], phi: Callable[[torch.Tensor], torch.Tensor] = torch.relu
) -> torch.Tensor:
    """One hidden layer of m units: z1 = W1 x + b1, a1 = phi(z1), output z2 = W2 a1 + b2."""
    W1, b1, W2, b2 = params  # (m, inputs), (m,), (1, m), (1,)
    z1 = x @ W1.mT + b1.unsqueeze(-2)  # (n, m) pre-activations: row i is W1 x_i + b1
    a1 = phi(z1)  # (n, m) activations: phi acts on each number on its own
    return (a1 @ W2.mT + b2.unsqueeze(-2))[..., 0]  # (n,) z2: one output (or logit) per example


# %% losses
def mse(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error, as in module 1."""
    return ((y_pred - y) ** 2).mean(-1).sum()  # mean over examples (sum over stacked nets)


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z) for the logit z, written
    stably: -log p = softplus(-z) and -log(1 - p) = softplus(z)."""
    return (y * F.softplus(-logits) + (1 - y) * F.softplus(logits)).mean(-1).sum()


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Fraction of examples on the right side of the boundary (logit > 0 means label 1)."""
    return ((logits > 0).float() == y).float().mean(-1)


# %% train_fn
def train(
    model: Model,
    params: list[torch.Tensor],
    loss_fn: Loss,
    x: torch.Tensor,
    y: torch.Tensor,
    learning_rate: float,
    num_steps: int,
) -> list[float]:
    """The loop of module 1, full batch: every step sees all N examples."""
    losses: list[float] = []
    for _step in range(num_steps):
        loss = loss_fn(model(x, params), y)  # 1. forward, 2. loss
        loss.backward()  # 3. backward: fills param.grad for every parameter
        with torch.no_grad():  # 4. update, not recorded by autograd
            for param in params:
                assert param.grad is not None  # set by backward()
                param -= learning_rate * param.grad
                param.grad.zero_()  # bookkeeping: backward() adds, never overwrites
        losses.append(loss.item())  # bookkeeping: record a float
    return losses


# %% many_seeds
def init_mlp(inputs: int, m: int, seed: int) -> list[torch.Tensor]:
    """W1, b1, W2, b2 with PyTorch's default nn.Linear initialisation, from one seed."""
    torch.manual_seed(seed)
    first, second = torch.nn.Linear(inputs, m), torch.nn.Linear(m, 1)
    layers = [first.weight, first.bias, second.weight, second.bias]
    return [p.detach().clone().requires_grad_(True) for p in layers]


def init_many(inputs: int, m: int, seeds: range) -> list[torch.Tensor]:
    """One network per seed, stacked along a new first axis: W1 is (seeds, m, inputs), ...

    mlp() broadcasts over that axis, and the losses sum over it, so each network gets
    exactly its own gradient: 20 independent trainings in one loop."""
    nets = [init_mlp(inputs, m, seed) for seed in seeds]
    return [torch.stack([net[i] for net in nets]).detach().requires_grad_(True) for i in range(4)]
