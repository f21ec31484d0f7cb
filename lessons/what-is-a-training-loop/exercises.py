"""Solutions to the exercises of post 1.1, one cell per exercise.

Every exercise starts from the loop of training_loop.py and changes one thing:
the learning rate, the learning rate at the edge of stability, a second
parameter, and (by mistake, on purpose) the gradient zeroing. The check_ cells
assert what the post says about each solution.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters (the same data as training_loop.py)
true_w: float = 3.0  # the slope that generated the data
num_points: int = 10  # N, how many (x, y) examples
noise_std: float = 0.5  # standard deviation of the noise added to y
initial_w: float = 0.0  # where the parameter starts
learning_rate: float = 0.05  # eta, the step size used in the post
num_epochs: int = 50  # epochs for the runs of fixed length
max_epochs: int = 1000  # give up on a learning rate after this many epochs
tolerance: float = 0.01  # "trained" = loss within this much of L*
true_b: float = 1.0  # exercise 3: the intercept of the data with a bias

torch.manual_seed(0)

x: torch.Tensor = torch.linspace(-2.0, 2.0, num_points)  # (N,)
y: torch.Tensor = true_w * x + noise_std * torch.randn(num_points)  # (N,)
best_w: float = ((x * y).sum() / (x * x).sum()).item()  # w*
best_loss: float = ((best_w * x - y) ** 2).mean().item()  # L*


# %% solution_1
def train(step_size: float, epochs: int) -> list[float]:
    """The hand-derived loop of training_loop.py; returns the loss at every epoch."""
    w = torch.tensor(initial_w)
    losses: list[float] = []
    for _ in range(epochs):
        y_pred = w * x
        losses.append(((y_pred - y) ** 2).mean().item())
        w = w - step_size * (2.0 / num_points) * ((y_pred - y) * x).sum()
    return losses


learning_rates: list[float] = [0.01, 0.03, 0.05, 0.1, 0.3]
counts: list[int] = []  # the first epoch whose loss is within tolerance of L*
for step_size in learning_rates:
    losses = train(step_size, max_epochs)
    counts.append(next(t for t, loss in enumerate(losses) if loss < best_loss + tolerance))
    print(f"learning rate {step_size:4.2f} | epochs {counts[-1]:4d}")

# %% check_1
assert all(later < earlier for earlier, later in zip(counts[:-1], counts[1:], strict=True))  # bigger is faster
epochs_at_001: int = counts[0]
epochs_at_005: int = counts[2]
epochs_at_03: int = counts[-1]
assert epochs_at_001 > 100 and epochs_at_03 <= 2

# %% solution_2
curvature: float = 2.0 * (x * x).mean().item()  # lambda = d^2L/dw^2
limit: float = 2.0 / curvature
print(f"lambda = {curvature:.4f} | limit 2/lambda = {limit:.4f}")
loss_just_below: float = train(0.99 * limit, 301)[-1]  # losses[300]: after 300 updates
loss_just_above: float = train(1.01 * limit, 301)[-1]
print(f"0.99 * limit | loss after 300 updates {loss_just_below:.4f}")
print(f"1.01 * limit | loss after 300 updates {loss_just_above:,.0f}")

# %% check_2
start_loss: float = ((initial_w * x - y) ** 2).mean().item()
factor_just_below: float = 1.0 - 0.99 * limit * curvature  # 1 - eta * lambda
fastest_learning_rate: float = 1.0 / curvature  # 1 - eta * lambda = 0: one update lands on w*
assert -1.0 < factor_just_below < -0.95  # overshoots, lands almost as far away on the other side
gap_just_below: float = loss_just_below - best_loss  # how far above the floor after 300 updates
assert 0 < gap_just_below < 1e-4  # within 1e-4 of the floor, not on it
assert loss_just_above > 1000 * start_loss  # every overshoot bigger than the last
assert abs(fastest_learning_rate - 0.3) < 0.01  # why 0.3 needed a single epoch

# %% solution_3
y_b: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(num_points)  # (N,)

# The best (w, b) by least squares, to check against. driver="gels": the CPU default ("gelsy")
# can misjudge the matrix's rank from leftover memory (PyTorch issue 187411).
features: torch.Tensor = torch.stack([x, torch.ones(num_points)], dim=1)  # (N, 2)
best_w_b, best_b = torch.linalg.lstsq(features, y_b.unsqueeze(1), driver="gels").solution.squeeze(1).tolist()

w = torch.tensor(initial_w)
b = torch.tensor(0.0)
for epoch in range(100):
    y_pred = w * x + b  # forward
    error = y_pred - y_b  # loss = (error ** 2).mean()
    grad_w = (2.0 / num_points) * (error * x).sum()  # backward: dL/dw
    grad_b = (2.0 / num_points) * error.sum()  # backward: dL/db
    if epoch % 20 == 0:
        print(f"epoch {epoch:2d} | w* - w {best_w_b - w.item():.4f} | b* - b {best_b - b.item():.4f}")
    w = w - learning_rate * grad_w  # update, each against its own derivative
    b = b - learning_rate * grad_b
print(f"trained w {w.item():.4f}, b {b.item():.4f} | least squares w {best_w_b:.4f}, b {best_b:.4f}")


# %% check_3
def distances_after(updates: int) -> tuple[float, float]:
    """Rerun the loop of solution_3; return |w - w*| and |b - b*| after this many updates."""
    w, b = torch.tensor(initial_w), torch.tensor(0.0)
    for _ in range(updates):
        error = w * x + b - y_b
        w, b = w - learning_rate * (2.0 / num_points) * (error * x).sum(), b - learning_rate * 2.0 * error.mean()
    return abs(w.item() - best_w_b), abs(b.item() - best_b)


torch.testing.assert_close(torch.stack([w, b]), torch.tensor([best_w_b, best_b]), atol=1e-3, rtol=0.0)
lambda_w: float = 2.0 * (x * x).mean().item()
lambda_b: float = 2.0  # d^2L/db^2
factor_w: float = 1.0 - learning_rate * lambda_w
factor_b: float = 1.0 - learning_rate * lambda_b
w_start_gap: float = best_w_b - initial_w
b_start_gap: float = best_b - 0.0
w_epochs: int = next(t for t in range(200) if distances_after(t)[0] < 1e-3)  # updates to get within 0.001
b_epochs: int = next(t for t in range(200) if distances_after(t)[1] < 1e-3)
assert abs(x.mean().item()) < 1e-6  # x is centred: w and b do not pull on each other
assert b_start_gap < w_start_gap and b_epochs > w_epochs  # b starts closer, yet finishes later
assert lambda_b < lambda_w and factor_b > factor_w  # because its curvature is smaller
fitted_b: float = b.item()
assert 0.1 < abs(fitted_b - true_b) < 0.5


# %% solution_4
def train_with_autograd(zero_the_gradient: bool) -> list[float]:
    """The autograd loop of autograd_loop.py; returns w_t for t = 0 .. num_epochs."""
    w = torch.tensor(initial_w, requires_grad=True)
    w_history = [w.item()]
    for _ in range(num_epochs):
        loss = ((w * x - y) ** 2).mean()  # forward and loss
        loss.backward()  # backward: ADDS dL/dw to whatever w.grad holds
        assert w.grad is not None  # set by backward()
        with torch.no_grad():
            w -= learning_rate * w.grad  # update
        if zero_the_gradient:
            w.grad.zero_()
        w_history.append(w.item())
    return w_history


w_zeroed: list[float] = train_with_autograd(zero_the_gradient=True)
w_forgot: list[float] = train_with_autograd(zero_the_gradient=False)

fig, ax = plt.subplots()
ax.plot(w_zeroed, label="w.grad.zero_() every epoch")
ax.plot(w_forgot, label="never zeroed")
ax.axhline(best_w, color="gray", linestyle="--", label="w*")
ax.set(title="Forgetting to zero the gradient: w never settles", xlabel="epoch", ylabel="w")
ax.set_ylim(-1.0, 8.5)  # room for the legend above the swings
ax.legend()
plt.show()

# %% check_4
late_swing: float = max(abs(value - best_w) for value in w_forgot[-20:])
highest_w_forgot: float = max(w_forgot)
assert late_swing > 1.0  # still swinging at the end
assert 5.5 < highest_w_forgot < 6.5  # sails far past w*, to about 6
assert abs(min(w_forgot[10:])) < 0.5  # and swings back to about 0
assert abs(w_zeroed[-1] - best_w) < 1e-3
