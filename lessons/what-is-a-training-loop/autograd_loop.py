"""The same training loop, with autograd computing the gradient.

What is new: w is created with requires_grad=True, loss.backward() fills in
w.grad, the update runs under torch.no_grad(), and w.grad is zeroed after each
step. We check that it lands on exactly the same w as the hand-derived loop.
"""

import torch

# Hyperparameters (the same as in training_loop.py)
true_w = 3.0  # the slope that generated the data
num_points = 10  # how many (x, y) examples
noise_std = 0.5  # standard deviation of the noise added to y
initial_w = 0.0  # where the parameter starts
learning_rate = 0.05  # the step size, eta in the math
num_epochs = 50  # each step uses every point, so one step is one epoch

torch.manual_seed(0)

# %% data
x = torch.linspace(-2.0, 2.0, num_points)  # (num_points,)
y = true_w * x + noise_std * torch.randn(num_points)  # (num_points,)


# %% by_hand
def train_by_hand() -> tuple[torch.Tensor, list[float], list[float]]:
    """Run the hand-derived loop of training_loop.py; return w, the losses, the gradients."""
    w = torch.tensor(initial_w)
    losses, grads = [], []
    for epoch in range(num_epochs):
        y_pred = w * x  # forward
        loss = ((y_pred - y) ** 2).mean()  # loss
        grad_w = (2.0 / num_points) * ((y_pred - y) * x).sum()  # backward, by hand
        w = w - learning_rate * grad_w  # update
        losses.append(loss.item())
        grads.append(grad_w.item())
    return w, losses, grads


w_by_hand, losses_by_hand, grads_by_hand = train_by_hand()

# %% autograd
w = torch.tensor(initial_w, requires_grad=True)  # ask autograd to track w
losses_by_autograd, grads_by_autograd = [], []

for epoch in range(num_epochs):
    # forward: the same prediction; autograd records how it was computed
    y_pred = w * x
    # loss: the same mean squared error
    loss = ((y_pred - y) ** 2).mean()
    # backward: autograd works out dL/dw and stores it in w.grad
    loss.backward()
    # update: change w in place, without recording this step for autograd
    with torch.no_grad():
        w -= learning_rate * w.grad

    # record, then zero the gradient, or the next backward() adds to it
    losses_by_autograd.append(loss.item())
    grads_by_autograd.append(w.grad.item())
    w.grad.zero_()
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f} | w {w.item():.4f}")

w_by_autograd = w.detach()
print(f"Result: w = {w_by_autograd.item():.4f} by autograd, {w_by_hand.item():.4f} by hand")

# %% compare
# The same loss and the same gradient at every epoch, so the same final w.
# assert_close allows for float32 rounding: the two loops add things up in
# a different order, so the last digits may differ.
torch.testing.assert_close(torch.tensor(losses_by_autograd), torch.tensor(losses_by_hand))
torch.testing.assert_close(torch.tensor(grads_by_autograd), torch.tensor(grads_by_hand))
torch.testing.assert_close(w_by_autograd, w_by_hand)
print(f"losses, gradients and w agree at all {num_epochs} epochs")

# %% forgot_requires_grad tags=["raises-exception"]
# A plain tensor: autograd was never asked to track it, so backward() has
# nothing to differentiate and stops with an error.
w_untracked = torch.tensor(initial_w)
loss = ((w_untracked * x - y) ** 2).mean()
loss.backward()
