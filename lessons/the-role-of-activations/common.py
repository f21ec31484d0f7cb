"""What every lesson of this post shares: the five activations and the two-moons data."""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # tiny tensors: one thread is faster than two that wait on each other

Activation = Callable[[torch.Tensor], torch.Tensor]
leaky_slope: float = 0.01  # the slope of leaky ReLU for z < 0 (PyTorch's default)
N: int = 200  # training examples

# Saturated: phi'(z) has fallen below 10% of its peak. Solving phi'(z) = 0.1 * peak gives
# sigmoid(z) = (1 + sqrt(0.9)) / 2 for sigmoid (peak 1/4) and tanh(z) = sqrt(0.9) for tanh (peak 1).
sigmoid_saturation_z: float = math.log((1 + math.sqrt(0.9)) / (1 - math.sqrt(0.9)))  # about 3.64
tanh_saturation_z: float = math.atanh(math.sqrt(0.9))  # about 1.82

# %% activations
activations: dict[str, Activation] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "ReLU": torch.relu,
    "leaky ReLU": lambda z: F.leaky_relu(z, leaky_slope),
    "GELU": F.gelu,  # z * P(a standard normal number < z), the erf form
}


# %% data
def two_moons(n: int, noise: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles, labels 0 and 1, inputs standardised to mean 0, std 1."""
    t = torch.rand(n, generator=generator) * math.pi  # the angle along the half circle
    labels = (torch.arange(n) % 2).float()  # (n,) 0, 1, 0, 1, ...
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
    points = torch.where(labels.bool().unsqueeze(1), lower, upper)
    points = points + noise * torch.randn(n, 2, generator=generator)
    return (points - points.mean(0)) / points.std(0), labels


X, y = two_moons(N, noise=0.1, generator=torch.Generator().manual_seed(0))  # (N, 2), (N,)
