"""The reader's autograd loop, with one flag wrong: requires_grad=False.

New in this lesson: nothing works, on purpose. The forward pass records no graph,
so loss.backward() has nothing to differentiate. exercises.py has the fixed loop.
"""

import torch

# Hyperparameters and data settings (the data of linear_regression.py)
true_w: float = 2.0
true_b: float = -1.0
noise_std: float = 0.1
N: int = 100
learning_rate: float = 0.1
num_epochs: int = 50

torch.manual_seed(42)
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)

# %% broken tags=["raises-exception"]
w = torch.randn(1, requires_grad=False)  # the bug: autograd is told to ignore w ...
b = torch.randn(1, requires_grad=False)  # ... and b
optimizer = torch.optim.SGD([w, b], lr=learning_rate)  # accepted without complaint
for _ in range(num_epochs):
    optimizer.zero_grad()
    loss = ((w * x + b - y) ** 2).mean()
    print(f"loss.requires_grad = {loss.requires_grad}, loss.grad_fn = {loss.grad_fn}")
    assert loss.grad_fn is None  # no input required grad, so no graph was recorded
    loss.backward()  # fails on the first epoch
    optimizer.step()
