"""Solutions to the exercises of post 1.2, one cell per exercise.

Exercise 1 varies the learning rate, exercise 2 adds a second feature, exercise 3
swaps the hand-derived gradients for autograd and torch.optim.SGD, exercise 4
solves the same problem in closed form.
"""

import torch

# Hyperparameters and data settings
true_w = 2.0  # the one-feature data of linear_regression.py
true_b = -1.0
noise_std = 0.1
N = 100
learning_rate = 0.1
num_epochs = 50
study_learning_rates = [0.01, 0.1, 1.0]  # exercise 1
two_feature_true_w = [1.5, -3.0]  # exercise 2
two_feature_true_b = 0.5
two_feature_learning_rate = 0.5  # 1 / lambda_b: the fastest safe step for b
long_run_epochs = 300  # exercise 4

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w = torch.randn(1)  # the same starting line as linear_regression.py
start_b = torch.randn(1)


# %% solution_1
def train(learning_rate: float, num_epochs: int = num_epochs) -> tuple[float, float, list[float]]:
    """The hand-written loop of linear_regression.py; return w, b and the loss of every epoch."""
    w, b = start_w.clone(), start_b.clone()
    losses = []
    for epoch in range(num_epochs):
        # forward
        y_pred = w * x + b
        # loss
        error = y_pred - y
        loss = (error**2).mean()
        losses.append(loss.item())
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w -= learning_rate * grad_w
        b -= learning_rate * grad_b
    return w.item(), b.item(), losses


final_losses = {}
for rate in study_learning_rates:
    w_end, b_end, _ = train(rate)
    final_losses[rate] = ((w_end * x + b_end - y) ** 2).mean().item()
    print(f"lr {rate:4.2f} | final loss {final_losses[rate]:.4f} | w {w_end:7.4f} | b {b_end:7.4f}")
assert final_losses[0.1] < final_losses[1.0] < final_losses[0.01]

# %% solution_2
X = torch.rand(N, 2) * 2 - 1  # (N, 2), uniform in [-1, 1]
w_true_2 = torch.tensor(two_feature_true_w)  # (2,)
y2 = X @ w_true_2 + two_feature_true_b + noise_std * torch.randn(N)  # (N,)
w2 = torch.randn(2)  # (2,)
b2 = torch.randn(1)  # (1,)
two_feature_losses = []
for epoch in range(num_epochs):
    # forward
    y2_pred = X @ w2 + b2  # (N,)
    # loss
    error2 = y2_pred - y2  # (N,)
    loss2 = (error2**2).mean()
    two_feature_losses.append(loss2.item())
    # backward: one partial derivative per weight, all at once
    grad_w2 = 2 * X.T @ error2 / N  # (2,)
    grad_b2 = 2 * error2.mean()
    # check against autograd at this very point
    w_check = w2.clone().requires_grad_()
    b_check = b2.clone().requires_grad_()
    ((X @ w_check + b_check - y2) ** 2).mean().backward()
    torch.testing.assert_close(grad_w2, w_check.grad)
    torch.testing.assert_close(grad_b2, b_check.grad[0])
    # update
    w2 -= two_feature_learning_rate * grad_w2
    b2 -= two_feature_learning_rate * grad_b2
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss2.item():.4f}")
two_feature_w_error = (w2 - w_true_2).abs().max().item()
print(f"Result: w = [{w2[0]:.4f}, {w2[1]:.4f}], b = {b2.item():.4f}")
print(f"  true: w = [{w_true_2[0]:.4f}, {w_true_2[1]:.4f}], b = {two_feature_true_b:.4f}")
assert two_feature_w_error < 0.05 and abs(b2.item() - two_feature_true_b) < 0.05
assert abs(two_feature_losses[20] - two_feature_losses[-1]) < 1e-3  # settled by epoch 20

# %% solution_3
w = start_w.clone().requires_grad_(True)  # track every operation on w and b ...
b = start_b.clone().requires_grad_(True)  # ... so loss.backward() can reach them
optimizer = torch.optim.SGD([w, b], lr=learning_rate)
autograd_losses = []
for epoch in range(num_epochs):
    optimizer.zero_grad()  # clear the gradients of the previous step
    # forward
    y_pred = w * x + b
    # loss
    loss = ((y_pred - y) ** 2).mean()
    autograd_losses.append(loss.item())
    # backward: autograd fills w.grad and b.grad
    loss.backward()
    # update: w -= lr * w.grad, b -= lr * b.grad
    optimizer.step()
print(f"loss.grad_fn is a {loss.grad_fn.name()} node of the autograd graph")
print(f"Result: w = {w.item():.4f}, b = {b.item():.4f}, {len(autograd_losses)} losses recorded")
hand_w, hand_b, hand_losses = train(learning_rate)
torch.testing.assert_close(autograd_losses, hand_losses)
torch.testing.assert_close(w.item(), hand_w)
torch.testing.assert_close(b.item(), hand_b)
assert loss.grad_fn is not None and len(autograd_losses) == num_epochs

# %% solution_4
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2): columns x and 1
normal_solution = torch.linalg.solve(features.T @ features, features.T @ y)  # by hand
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
lstsq_solution = torch.linalg.lstsq(features, y, driver="gels").solution  # PyTorch's solver
torch.testing.assert_close(normal_solution, lstsq_solution)
closed_w, closed_b = lstsq_solution.flatten().tolist()
closed_loss = ((closed_w * x + closed_b - y) ** 2).mean().item()
short_w, short_b, short_losses = train(learning_rate)
long_w, long_b, long_losses = train(learning_rate, long_run_epochs)
short_gap = abs(short_w - closed_w)
long_gap = abs(long_w - closed_w)
print(f"closed form      | w {closed_w:.4f} | b {closed_b:.4f} | loss {closed_loss:.4f}")
print(f"GD,  50 epochs   | w {short_w:.4f} | b {short_b:.4f} | gap in w {short_gap:.1e}")
print(f"GD, 300 epochs   | w {long_w:.4f} | b {long_b:.4f} | gap in w {long_gap:.1e}")
assert short_gap > 0.05 and long_gap < 1e-4
assert abs(short_b - closed_b) < 1e-4
assert all(loss >= closed_loss for loss in short_losses)  # nothing beats the closed form
