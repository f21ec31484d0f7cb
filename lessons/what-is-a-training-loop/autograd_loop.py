"""The same training loop, with autograd computing the gradient.

What is new: w is created with requires_grad=True, loss.backward() fills in
w.grad, the update runs under torch.no_grad(), and w.grad is zeroed after each
step. We check autograd's gradient against the hand-derived formula.
"""

import torch

# Hyperparameters (the same as in training_loop.py)
true_w: float = 3.0  # the slope that generated the data
num_points: int = 10  # N, how many (x, y) examples
noise_std: float = 0.5  # standard deviation of the noise added to y
initial_w: float = 0.0  # where the parameter starts
learning_rate: float = 0.05  # eta, the step size
num_epochs: int = 50  # one update per epoch

torch.manual_seed(0)  # the same data as training_loop.py
x: torch.Tensor = torch.linspace(-2.0, 2.0, num_points)  # (N,)
y: torch.Tensor = true_w * x + noise_std * torch.randn(num_points)  # (N,)

# %% autograd
w: torch.Tensor = torch.tensor(initial_w, requires_grad=True)  # ask autograd to track w
grads_by_autograd: list[float] = []

for epoch in range(num_epochs):
    y_pred = w * x  # 1. forward, recorded by autograd
    loss = ((y_pred - y) ** 2).mean()  # 2. loss
    loss.backward()  # 3. backward: autograd puts dL/dw in w.grad
    assert w.grad is not None  # set by backward(), because w requires grad
    if epoch % 10 == 0:
        print(f"epoch {epoch:2d} | w {w.item():.4f} | loss {loss.item():.4f}")
    with torch.no_grad():  # 4. update: change w in place, unrecorded
        w -= learning_rate * w.grad
    grads_by_autograd.append(w.grad.item())
    w.grad.zero_()  # clear it, or the next backward() adds to it

print(f"after {num_epochs} epochs | w {w.item():.4f}")

# %% compare
# Rerun the hand-derived loop of training_loop.py and compare the gradients.
w_hand: torch.Tensor = torch.tensor(initial_w)
grads_by_hand: list[float] = []
for _ in range(num_epochs):
    grad_w = (2.0 / num_points) * ((w_hand * x - y) * x).sum()
    grads_by_hand.append(grad_w.item())
    w_hand = w_hand - learning_rate * grad_w

autograd_grads: torch.Tensor = torch.tensor(grads_by_autograd)
hand_grads: torch.Tensor = torch.tensor(grads_by_hand)
torch.testing.assert_close(autograd_grads, hand_grads)  # equal up to float32 rounding
epochs_bit_equal: int = int((autograd_grads == hand_grads).sum())
largest_grad_gap: float = (autograd_grads - hand_grads).abs().max().item()
print(f"bit for bit equal at {epochs_bit_equal} of {num_epochs} epochs; largest gap {largest_grad_gap:.1e}")
print(f"w {w.item():.4f} by autograd, {w_hand.item():.4f} by hand")

# %% checks
w_by_autograd: float = w.item()
torch.testing.assert_close(w_by_autograd, w_hand.item())
assert 0 < epochs_bit_equal < num_epochs and largest_grad_gap < 1e-5  # close, not bit for bit

# %% forgot_requires_grad tags=["raises-exception"]
w_untracked: torch.Tensor = torch.tensor(initial_w)  # a plain tensor: nothing tracks it
loss = ((w_untracked * x - y) ** 2).mean()
loss.backward()
