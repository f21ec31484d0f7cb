"""A one-hidden-layer network from raw tensors: data, parameters, forward, loss, backward.

No nn.Module and no autograd: every parameter is a plain tensor, and every gradient is a
line of code written from the chain rule. train.py runs these pieces in the loop of
module 1; gradient_check.py and initialisation.py import them too.
"""

import math

import torch

# These tensors are tiny: one thread is much faster than several that wait on each other.
torch.set_num_threads(1)

Params = dict[str, torch.Tensor]  # "W1", "b1", "W2", "b2" -> a plain tensor each

# Hyperparameters and data settings
N = 200  # number of training examples, half in each class
noise_std = 0.15  # how far each point is pushed off its moon
m = 16  # width of the hidden layer: the number of hidden units


# %% data
def make_moons(n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles: class 0 on the upper moon, class 1 on the lower."""
    gen = torch.Generator().manual_seed(seed)  # its own generator: same data in every script
    angle = torch.rand(n, generator=gen) * math.pi  # (n,) position along the half circle
    label = torch.arange(n) % 2  # (n,) 0, 1, 0, 1, ...: balanced classes
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # (n, 2)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)  # (n, 2)
    points = torch.where(label[:, None] == 0, upper, lower)  # (n, 2)
    points = points + noise * torch.randn(n, 2, generator=gen)
    center = torch.tensor([0.5, 0.25])  # the middle of the two moons, moved to the origin
    return points - center, label.float()[:, None]  # (n, 2) inputs, (n, 1) targets


def accuracy(z2: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of examples on the right side: p_hat > 0.5 exactly when z2 > 0."""
    return ((z2 > 0).float() == y).float().mean().item()


x, y = make_moons(N, noise_std, seed=0)  # x: (N, 2), one example per row; y: (N, 1) of 0s and 1s


# %% params
def init_params(m: int, scale: float = 1.0) -> Params:
    """Random weights with a spread of scale / sqrt(fan-in); zero biases."""
    return {
        "W1": torch.randn(m, 2) * scale / math.sqrt(2),  # (m, 2): row j is hidden unit j
        "b1": torch.zeros(m),  # (m,)
        "W2": torch.randn(1, m) * scale / math.sqrt(m),  # (1, m)
        "b2": torch.zeros(1),  # (1,)
    }


# %% forward
def forward(x: torch.Tensor, params: Params) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """z1 = W1 x + b1, a1 = tanh(z1), z2 = W2 a1 + b2, for every row of x at once."""
    z1 = x @ params["W1"].T + params["b1"]  # (N, m) pre-activations
    a1 = torch.tanh(z1)  # (N, m) activations, phi = tanh
    z2 = a1 @ params["W2"].T + params["b2"]  # (N, 1) logits; p_hat = sigmoid(z2)
    return z1, a1, z2  # backward needs a1 and z2


# %% loss
def bce_with_logits(z2: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy from logits: max(z, 0) - y z + log(1 + exp(-|z|)), never log(0)."""
    return (z2.clamp(min=0) - y * z2 + torch.log1p(torch.exp(-z2.abs()))).mean()


# %% backward
def backward(x: torch.Tensor, y: torch.Tensor, params: Params, a1: torch.Tensor, z2: torch.Tensor) -> Params:
    """dL/d(each parameter), from the chain rule, layer 2 first."""
    n = x.shape[0]
    dz2 = (torch.sigmoid(z2) - y) / n  # (N, 1) dL/dz2 = (p_hat - y) / N
    dW2 = dz2.T @ a1  # (1, m) sum over examples of dL/dz2 * a1
    db2 = dz2.sum(dim=0)  # (1,)
    da1 = dz2 @ params["W2"]  # (N, m) dL/da1: each unit gets its share W2[j] of dL/dz2
    delta1 = da1 * (1 - a1**2)  # (N, m) dL/dz1 = dL/da1 * tanh'(z1), and tanh' = 1 - tanh^2
    dW1 = delta1.T @ x  # (m, 2)
    db1 = delta1.sum(dim=0)  # (m,)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# %% train
def train(params: Params, learning_rate: float, num_epochs: int) -> tuple[list[float], list[float]]:
    """Full-batch gradient descent on the moons, in place; the loss and accuracy of each epoch."""
    losses: list[float] = []
    accuracies: list[float] = []
    for _epoch in range(num_epochs):
        _, a1, z2 = forward(x, params)  # 1. forward
        loss = bce_with_logits(z2, y)  # 2. loss
        grads = backward(x, y, params, a1, z2)  # 3. backward, by hand
        for name in params:  # 4. update: every parameter, against its own gradient
            params[name] -= learning_rate * grads[name]
        losses.append(loss.item())  # bookkeeping
        accuracies.append(accuracy(z2, y))
    return losses, accuracies


# %% referee
def numerical_gradients(params: Params, x: torch.Tensor, y: torch.Tensor, h: float) -> Params:
    """Central differences (post 1.5), one entry of one parameter tensor at a time."""
    grads: Params = {}
    for name, p in params.items():
        grads[name] = torch.zeros_like(p)
        for j in range(p.numel()):
            original = p.view(-1)[j].item()
            p.view(-1)[j] = original + h
            loss_up = bce_with_logits(forward(x, params)[2], y)
            p.view(-1)[j] = original - h
            loss_down = bce_with_logits(forward(x, params)[2], y)
            p.view(-1)[j] = original  # put it back before the next entry
            grads[name].view(-1)[j] = (loss_up - loss_down) / (2 * h)
    return grads


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """|a - b| / max(|a|, |b|), over all entries: the measure of post 1.5."""
    return ((a - b).norm() / torch.maximum(a.norm(), b.norm())).item()
