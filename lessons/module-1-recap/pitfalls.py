"""Four ways to break the loop, each run and caught.

New here: nothing new. Each mistake from module 1 is made on purpose, on the
parabola problem, and what happens is recorded in one line.
"""

from collections.abc import Callable

import numpy as np
import torch

from parabola import initial, x, y

# Hyperparameters
learning_rate = 0.5  # the good rate of landscape.py
num_epochs = 100  # full-batch epochs


def loss_of(params: list[torch.Tensor]) -> torch.Tensor:
    """MSE of the parabola a*x^2 + w*x + b on all the data."""
    a, w, b = params
    return ((a * x**2 + w * x + b - y) ** 2).mean()


def fresh(requires_grad: bool = True) -> list[torch.Tensor]:
    """New parameters [a, w, b] at the shared start."""
    return [initial[i].clone().requires_grad_(requires_grad) for i in range(3)]


def error_of(action: Callable[[], object]) -> str:
    """Run `action()` and return the first line of the error it raises."""
    try:
        action()
    except RuntimeError as error:
        return f"RuntimeError: {str(error).split('. ')[0]}"
    raise AssertionError("expected an error")


def run(zero_grads: bool) -> list[float]:
    """The full-batch loop, with or without zeroing."""
    params = fresh()
    losses: list[float] = []
    for _epoch in range(num_epochs):
        loss = loss_of(params)
        loss.backward()
        with torch.no_grad():
            for param in params:
                assert param.grad is not None  # set by backward()
                param -= learning_rate * param.grad
                if zero_grads:
                    param.grad.zero_()
        losses.append(loss.item())
    return losses


# %% pitfalls
# 1. Parameters created without requires_grad=True: the loss has no graph.
no_requires_grad = error_of(lambda: loss_of(fresh(requires_grad=False)).backward())

# 2. No zeroing: .grad sums every gradient so far, and the loss keeps swinging.
zeroed, forgot = run(zero_grads=True), run(zero_grads=False)
loss_zeroed, worst_late_forgot = zeroed[-1], max(forgot[num_epochs // 2 :])
assert worst_late_forgot > 10 * loss_zeroed  # still far off in the second half


# 3. Updating outside torch.no_grad(): refused for a leaf that requires grad.
def update_tracked() -> None:
    params = fresh()
    loss_of(params).backward()
    for param in params:
        assert param.grad is not None  # set by backward()
        param -= learning_rate * param.grad


no_no_grad = error_of(update_tracked)

# 4. Recording `loss`, not loss.item(): NumPy refuses tensors that require grad.
recorded = [loss_of(fresh()) for _ in range(3)]
not_item = error_of(lambda: np.mean(recorded))  # a list of tensors, on purpose

print(f"1. no requires_grad       -> {no_requires_grad}")
print(
    f"2. no zeroing             -> worst loss in epochs 50-99: {worst_late_forgot:.3f} (zeroed: {loss_zeroed:.4f})"
)
print(f"3. update outside no_grad -> {no_no_grad}")
print(f"4. recording loss         -> {not_item}")
assert "does not require grad" in no_requires_grad and "in-place" in no_no_grad
assert "requires grad" in not_item
