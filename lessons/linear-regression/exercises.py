"""Solutions to the exercises of post 1.2, one cell per exercise.

Exercise 1 moves the data to x in [0, 2], where w and b interact; exercise 2 swaps
the hand-derived gradients for autograd and torch.optim.SGD; exercise 3 solves the
same problem in closed form.
"""

import math

import torch

# Hyperparameters and data settings (the data and start of linear_regression.py)
true_w: float = 2.0
true_b: float = -1.0
noise_std: float = 0.1
N: int = 100
learning_rate: float = 0.1
num_epochs: int = 50
shifted_rates: list[float] = [0.4, 0.5, 1.0]  # exercise 1
long_run_epochs: int = 300  # exercise 3

torch.manual_seed(42)
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w: torch.Tensor = torch.randn(1)  # the same starting line as linear_regression.py
start_b: torch.Tensor = torch.randn(1)


def train(
    x: torch.Tensor, y: torch.Tensor, learning_rate: float, epochs: int = num_epochs
) -> tuple[float, float, list[float]]:
    """The hand-written loop of linear_regression.py; return the final w, b and every epoch's loss."""
    w, b = start_w.clone(), start_b.clone()
    losses: list[float] = []
    for _ in range(epochs):
        error = w * x + b - y  # forward pass and residuals
        losses.append((error**2).mean().item())
        w -= learning_rate * 2 * (error * x).mean()  # backward and update
        b -= learning_rate * 2 * error.mean()
    return w.item(), b.item(), losses


# %% solution_1
x1: torch.Tensor = torch.linspace(0, 2, N).unsqueeze(1)  # (N, 1), mean(x) = 1 now
y1: torch.Tensor = true_w * x1 + true_b + noise_std * torch.randn(N, 1)
lambda_w1: float = 2 * (x1**2).mean().item()  # curvature along w
cross_term1: float = 2 * x1.mean().item()  # d2L/dw db: no longer zero
hessian1 = torch.tensor([[lambda_w1, cross_term1], [cross_term1, 2.0]])
lambda_max1: float = torch.linalg.eigvalsh(hessian1)[-1].item()  # sorted: the largest is last
print(f"limits: 2/lambda_w = {2 / lambda_w1:.3f}, 2/lambda_b = 1, 2/lambda_max = {2 / lambda_max1:.3f}")
Phi1 = torch.cat([x1, torch.ones_like(x1)], dim=1)  # (N, 2), for the best line (exercise 3)
best_w1, best_b1 = torch.linalg.lstsq(Phi1, y1, driver="gels").solution.flatten().tolist()
distances1: dict[float, float] = {}  # how far (w, b) ends from (w*, b*)
for lr in shifted_rates:
    w_end, b_end = train(x1, y1, lr)[:2]
    distances1[lr] = math.hypot(w_end - best_w1, b_end - best_b1)
    print(f"lr {lr:3.1f} | distance from the best line after {num_epochs} epochs: {distances1[lr]:.1e}")

# %% solution_1_checks
hessian_autograd1 = torch.autograd.functional.hessian(
    lambda p: ((p[0] * x1 + p[1] - y1) ** 2).mean(), torch.tensor([best_w1, best_b1])
)
assert isinstance(hessian_autograd1, torch.Tensor)
torch.testing.assert_close(hessian_autograd1, hessian1)  # lambda_b is 2 again, whatever the data
start_distance1: float = math.hypot(start_w.item() - best_w1, start_b.item() - best_b1)
assert 2 / lambda_w1 > 0.5 and 2 / 2.0 > 0.5  # each diagonal limit allows 0.5 ...
assert 0.4 < 2 / lambda_max1 < 0.5  # ... but the steepest direction does not
assert distances1[0.4] < 0.01 * start_distance1  # converges
assert distances1[0.5] > 100 * start_distance1 and distances1[1.0] > 1e20  # both diverge
limit_max1: float = 2 / lambda_max1
limit_w1: float = 2 / lambda_w1
distance_at_04: float = distances1[0.4]
distance_at_05: float = distances1[0.5]
distance_at_1: float = distances1[1.0]

# %% solution_2
w = start_w.clone().requires_grad_(True)  # track every operation on w and b ...
b = start_b.clone().requires_grad_(True)  # ... so that loss.backward() can reach them
optimizer = torch.optim.SGD([w, b], lr=learning_rate)
autograd_losses: list[float] = []
grad_checks: int = 0  # epochs at which w.grad and b.grad matched the hand-derived gradients
for _ in range(num_epochs):
    optimizer.zero_grad()  # backward() adds into .grad: clear the previous step's gradient
    # forward
    loss = ((w * x + b - y) ** 2).mean()
    autograd_losses.append(loss.item())
    # backward: fills w.grad and b.grad
    loss.backward()
    assert w.grad is not None and b.grad is not None  # set by backward()
    with torch.no_grad():  # the hand-derived gradients, for comparison
        error = w * x + b - y
        torch.testing.assert_close(w.grad, 2 * (error * x).mean().reshape(1))
        torch.testing.assert_close(b.grad, 2 * error.mean().reshape(1))
        grad_checks += 1
    # update: w -= lr * w.grad, b -= lr * b.grad
    optimizer.step()
hand_w, hand_b, hand_losses = train(x, y, learning_rate)
torch.testing.assert_close(autograd_losses, hand_losses)
torch.testing.assert_close((w.item(), b.item()), (hand_w, hand_b))
assert grad_checks == num_epochs
print(f"w.grad and b.grad equal 2*mean(error*x) and 2*mean(error) at all {grad_checks} epochs")
print(f"autograd: w = {w.item():.4f}, b = {b.item():.4f} | by hand: w = {hand_w:.4f}, b = {hand_b:.4f}")

# %% solution_3
Phi = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2): the columns x and 1
theta = torch.linalg.solve(Phi.T @ Phi, Phi.T @ y)  # the normal equations Phi^T Phi theta = Phi^T y
# driver="gels": the default driver reads uninitialized memory in torch 2.13 (pytorch#187411)
torch.testing.assert_close(theta, torch.linalg.lstsq(Phi, y, driver="gels").solution)
closed_w, closed_b = theta.flatten().tolist()
short_w, short_b, short_losses = train(x, y, learning_rate)
long_w, long_b = train(x, y, learning_rate, long_run_epochs)[:2]
short_gap: float = abs(short_w - closed_w)
long_gap: float = abs(long_w - closed_w)
print(f"closed form    | w {closed_w:.4f} | b {closed_b:.4f}")
print(f"GD,  50 epochs | w {short_w:.4f} | b {short_b:.4f} | gap in w {short_gap:.1e}")
print(f"GD, 300 epochs | w {long_w:.4f} | b {long_b:.4f} | gap in w {long_gap:.1e}")
assert short_gap > 0.05 and long_gap < 1e-4 and abs(short_b - closed_b) < 1e-4
