"""The shared problem of the Module 1 recap: data, model, loss and train().

The other lessons of this folder import from here (`from parabola import ...`),
so they all see the same data, the same start and the same loop. It is a problem
the series has not seen: a parabola y = a*x^2 + w*x + b.
"""

from collections.abc import Callable

import torch

# Hyperparameters
true_a, true_w, true_b = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
N = 200  # number of (x, y) pairs

torch.manual_seed(0)

Model = Callable[[torch.Tensor, list[torch.Tensor]], torch.Tensor]
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# %% data
x: torch.Tensor = torch.rand(N) * 2 - 1  # (N,) uniform in [-1, 1]
y: torch.Tensor = true_a * x**2 + true_w * x + true_b + noise_std * torch.randn(N)  # (N,)
initial: torch.Tensor = torch.randn(3)  # one random start [a, w, b], shared by every run


def quadratic(x: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """The model: y_hat = a*x^2 + w*x + b. Curved in x, but linear in a, w, b."""
    a, w, b = params
    return a * x**2 + w * x + b


def mse(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error, written out by hand."""
    return ((y_pred - y) ** 2).mean()


torch.testing.assert_close(mse(x, y), torch.nn.functional.mse_loss(x, y))


# %% train_fn
def train(
    model: Model,
    params: list[torch.Tensor],
    loss_fn: Loss,
    x: torch.Tensor,
    y: torch.Tensor,
    learning_rate: float,
    num_epochs: int,
    batch_size: int,
    seed: int = 0,
) -> list[float]:
    """Gradient descent on `params`; returns the full-data loss after every epoch."""
    shuffler = torch.Generator().manual_seed(seed)  # its own seed: runs are repeatable
    losses: list[float] = []
    for _epoch in range(num_epochs):
        order = torch.randperm(len(x), generator=shuffler)  # a fresh shuffle every epoch
        for start in range(0, len(x), batch_size):  # N / B updates per epoch
            batch = order[start : start + batch_size]
            y_pred = model(x[batch], params)  # 1. forward
            loss = loss_fn(y_pred, y[batch])  # 2. loss, on this batch only
            loss.backward()  # 3. backward: adds dloss/dparam into param.grad
            with torch.no_grad():  # 4. update: not part of the model, so not recorded
                for param in params:
                    assert param.grad is not None  # set by backward()
                    param -= learning_rate * param.grad  # in place: still the same leaf
                    param.grad.zero_()  # 5. zero: backward() adds, never overwrites
        with torch.no_grad():  # 6. record a plain float, on all the data
            losses.append(loss_fn(model(x, params), y).item())
    return losses
