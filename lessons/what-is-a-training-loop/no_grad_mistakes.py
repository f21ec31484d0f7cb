"""What goes wrong when the update is not wrapped in torch.no_grad().

Two ways to write it, two different failures: the new-tensor update w = w - ...
leaves w.grad empty on the next epoch, and the in-place update w -= ... stops
with an error at once.
"""

import warnings

import torch

learning_rate: float = 0.05
torch.manual_seed(0)  # the same data as training_loop.py
x: torch.Tensor = torch.linspace(-2.0, 2.0, 10)  # (N,)
y: torch.Tensor = 3.0 * x + 0.5 * torch.randn(10)  # (N,)

# %% rebind
warnings.filterwarnings("ignore", message="The .grad attribute")  # the print below says it shorter
w: torch.Tensor = torch.tensor(0.0, requires_grad=True)
for epoch in range(2):
    loss = ((w * x - y) ** 2).mean()
    loss.backward()
    grad = w.grad
    print(f"epoch {epoch} | w.is_leaf {w.is_leaf} | w.grad is None: {grad is None}")
    if grad is None:
        break  # nothing to step with: learning_rate * None would raise TypeError
    w = w - learning_rate * grad  # no torch.no_grad(): autograd records this too

# %% checks
assert grad is None and not w.is_leaf  # what the post says happens
assert w.requires_grad and x.is_leaf and x.grad is None  # .grad: only leaves that require grad
try:
    learning_rate * grad  # type: ignore[operator]  # None on purpose: the next update would do this
    raise AssertionError("expected a TypeError")
except TypeError:
    pass  # as the post says: learning_rate * None raises TypeError

# %% in_place tags=["raises-exception"]
w = torch.tensor(0.0, requires_grad=True)
loss = ((w * x - y) ** 2).mean()
loss.backward()
assert w.grad is not None  # set by backward()
w -= learning_rate * w.grad  # no torch.no_grad()
