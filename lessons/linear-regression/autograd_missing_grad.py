"""The autograd loop with one flag wrong: what requires_grad=False does.

New in this lesson: nothing works, on purpose. This is the reader's version of
exercise 3, with w and b created with requires_grad=False. The first cell shows
that the forward pass then records no graph; the last cell shows the error that
loss.backward() raises. exercises.py has the fixed loop.
"""

import torch

# Hyperparameters and data settings
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
learning_rate = 0.1
num_epochs = 50

torch.manual_seed(42)

# %% broken_setup
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
w = torch.randn(1, requires_grad=False)  # the bug: autograd is told to ignore w ...
b = torch.randn(1, requires_grad=False)  # ... and b
optimizer = torch.optim.SGD([w, b], lr=learning_rate)  # accepted without complaint

probe_loss = ((w * x + b - y) ** 2).mean()
print(f"w.requires_grad = {w.requires_grad} | b.requires_grad = {b.requires_grad}")
print(f"loss.requires_grad = {probe_loss.requires_grad} | loss.grad_fn = {probe_loss.grad_fn}")
assert not probe_loss.requires_grad and probe_loss.grad_fn is None  # no graph was recorded

# %% broken_loop tags=["raises-exception"]
losses = []
for epoch in range(num_epochs):
    optimizer.zero_grad()
    # forward
    y_pred = w * x + b
    # loss
    loss = ((y_pred - y) ** 2).mean()
    losses.append(loss.item())
    # backward (fails on the very first epoch: there is nothing to differentiate)
    loss.backward()
    # update
    optimizer.step()
