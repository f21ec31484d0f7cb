"""Four ways to break the loop, each run and caught.

New here: nothing new. Each mistake from module 1 is made on purpose, on the
parabola problem, and what happens is recorded in one line.
"""

import gc
import weakref
from collections.abc import Callable

import numpy as np
import torch

from parabola import N, initial, x, y

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

# %% history_cost
# Mistake 4 fails only under NumPy: torch adds up a list of tensors without complaint.
history = [loss_of(fresh()) for _ in range(10)]
torch.testing.assert_close(sum(history) / len(history), torch.stack(history).mean())  # both run
# Its real cost is memory: each stored loss keeps its graph alive. Until backward() runs, the
# graph holds the tensors the forward pass saved for it; count them with a saved-tensors hook.
saved: list[weakref.ref[torch.Tensor]] = []


def pack(tensor: torch.Tensor) -> torch.Tensor:
    saved.append(weakref.ref(tensor))
    return tensor


def saved_bytes_alive() -> int:
    """Bytes of the saved tensors that something still keeps alive (each tensor once)."""
    gc.collect()
    alive = {id(t): t.numel() * t.element_size() for ref in saved if (t := ref()) is not None}
    return sum(alive.values())


def history_without_backward(steps: int) -> int:
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        kept = [loss_of(fresh()) for _ in range(steps)]  # noqa: F841  (kept alive on purpose)
        return saved_bytes_alive()


def history_with_backward(steps: int) -> tuple[int, list[torch.Tensor]]:
    saved.clear()
    params, kept = fresh(), []
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        for _ in range(steps):
            loss = loss_of(params)
            loss.backward()  # frees the saved tensors of this graph
            with torch.no_grad():
                for param in params:
                    assert param.grad is not None  # set by backward()
                    param -= learning_rate * param.grad
                    param.grad.zero_()
            kept.append(loss)
    del loss
    return saved_bytes_alive(), kept


kept_bytes = [history_without_backward(steps) for steps in (10, 20, 30)]
bytes_per_loss = (kept_bytes[1] - kept_bytes[0]) // 10  # x itself is saved too, but only once
assert kept_bytes[2] - kept_bytes[1] == kept_bytes[1] - kept_bytes[0]  # the same growth every step
assert bytes_per_loss == 2 * N * x.element_size()  # two saved tensors of N numbers each
after_10, kept_10 = history_with_backward(10)
after_20, kept_20 = history_with_backward(20)
assert after_20 == after_10  # backward() freed the saved tensors ...
assert all(loss.grad_fn is not None for loss in kept_20)  # ... but every graph's nodes are still held
print(f"a history of loss tensors keeps {bytes_per_loss} bytes of saved tensors per step until backward()")
