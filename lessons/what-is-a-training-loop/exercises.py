"""Solutions to the exercises of post 1.1, one cell per exercise.

Every exercise starts from the loop of training_loop.py and changes one thing:
the learning rate, the learning rate at the edge of stability, a second
parameter, and (by mistake, on purpose) the gradient zeroing.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters (the same data as training_loop.py)
true_w = 3.0  # the slope that generated the data
num_points = 10  # how many (x, y) examples
noise_std = 0.5  # standard deviation of the noise added to y
initial_w = 0.0  # where the parameter starts
learning_rate = 0.05  # the step size used in the post
num_epochs = 50  # epochs for the runs that use a fixed length
max_epochs = 1000  # give up on a learning rate after this many epochs
tolerance = 0.01  # "trained" = loss within this much of the best possible loss
true_b = 1.0  # exercise 3: the intercept of the data with a bias

torch.manual_seed(0)

x = torch.linspace(-2.0, 2.0, num_points)  # (num_points,)
y = true_w * x + noise_std * torch.randn(num_points)  # (num_points,)
best_w = (x * y).sum() / (x * x).sum()
best_loss = ((best_w * x - y) ** 2).mean().item()


# %% solution_1
def epochs_to_train(step_size: float) -> int:
    """Run the hand-derived loop; return the first epoch whose loss is within tolerance."""
    w = torch.tensor(initial_w)
    for epoch in range(max_epochs):
        y_pred = w * x  # forward
        loss = ((y_pred - y) ** 2).mean()  # loss
        if loss.item() < best_loss + tolerance:
            return epoch
        grad_w = (2.0 / num_points) * ((y_pred - y) * x).sum()  # backward
        w = w - step_size * grad_w  # update
    return max_epochs  # never got there


learning_rates = [0.01, 0.03, 0.05, 0.1, 0.3]
epochs_needed = {}
for step_size in learning_rates:
    epochs_needed[step_size] = epochs_to_train(step_size)
    print(f"learning rate {step_size:4.2f} | epochs to reach the floor {epochs_needed[step_size]:4d}")

# Over this range, a bigger step always gets there in fewer epochs.
counts = [epochs_needed[step_size] for step_size in learning_rates]
assert all(later < earlier for earlier, later in zip(counts, counts[1:]))
epochs_at_001 = epochs_needed[0.01]
epochs_at_03 = epochs_needed[0.3]
assert epochs_at_001 > 100 and epochs_at_03 <= 2

# %% solution_2
# The loss is a parabola in w with curvature a = mean(x^2). One step changes it
# by -eta * g^2 * (1 - eta * a), so it falls exactly when eta < 1 / a.
curvature = (x * x).mean().item()
largest_learning_rate = 1.0 / curvature
fastest_learning_rate = 0.5 * largest_learning_rate  # one step lands on best_w
print(f"a = mean(x^2) = {curvature:.4f} | predicted limit 1/a = {largest_learning_rate:.4f}")
print(f"fastest learning rate 1/(2a) = {fastest_learning_rate:.4f}")
assert abs(fastest_learning_rate - 0.3) < 0.01  # why 0.3 needed a single epoch



def loss_after(step_size: float, epochs: int) -> float:
    """Run the hand-derived loop for a fixed number of epochs; return the final loss."""
    w = torch.tensor(initial_w)
    for epoch in range(epochs):
        y_pred = w * x  # forward
        grad_w = (2.0 / num_points) * ((y_pred - y) * x).sum()  # backward
        w = w - step_size * grad_w  # update
    return ((w * x - y) ** 2).mean().item()  # loss


start_loss = ((initial_w * x - y) ** 2).mean().item()
loss_just_below = loss_after(0.99 * largest_learning_rate, 300)
loss_just_above = loss_after(1.01 * largest_learning_rate, 300)
print(f"start                  | loss {start_loss:12.4f}")
print(f"300 epochs at 0.99 / a | loss {loss_just_below:12.4f}")
print(f"300 epochs at 1.01 / a | loss {loss_just_above:12.4f}")
# Just below the limit each step overshoots best_w and lands almost as far
# away on the other side: the distance is multiplied by 1 - 2 * eta * a.
zigzag_factor = 1.0 - 2.0 * (0.99 * largest_learning_rate) * curvature
assert -1.0 < zigzag_factor < -0.95
assert loss_just_below < best_loss + tolerance  # converges, zig-zagging around best_w
assert loss_just_above > 1000 * start_loss  # every step overshoots further than the last

# %% solution_3
y_shifted = true_w * x + true_b + noise_std * torch.randn(num_points)
w = torch.tensor(initial_w)
b = torch.tensor(0.0)
num_bias_epochs = 2 * num_epochs  # b starts further from its answer, give it time

for epoch in range(num_bias_epochs):
    # forward
    y_pred = w * x + b
    # loss
    loss = ((y_pred - y_shifted) ** 2).mean()
    # backward: one partial derivative per parameter
    grad_w = (2.0 / num_points) * ((y_pred - y_shifted) * x).sum()
    grad_b = (2.0 / num_points) * (y_pred - y_shifted).sum()
    # update: every parameter steps against its own partial derivative
    w = w - learning_rate * grad_w
    b = b - learning_rate * grad_b
    if epoch % 25 == 0 or epoch == num_bias_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f} | w {w.item():.4f} | b {b.item():.4f}")

# PyTorch's own least-squares solver gives the best (w, b) directly.
features = torch.stack([x, torch.ones(num_points)], dim=1)  # (num_points, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w_and_b = torch.linalg.lstsq(features, y_shifted.unsqueeze(1), driver="gels").solution.squeeze(1)
best_w_lstsq, best_b_lstsq = best_w_and_b.tolist()
print(f"Result: w = {w.item():.4f}, b = {b.item():.4f} | least squares w = {best_w_lstsq:.4f}, b = {best_b_lstsq:.4f}")
torch.testing.assert_close(torch.stack([w, b]), best_w_and_b, atol=1e-3, rtol=0.0)
fitted_b = b.item()
assert abs(fitted_b - true_b) < 0.5


# %% solution_4
def train_with_autograd(zero_the_gradient: bool) -> list[float]:
    """The autograd loop of autograd_loop.py; return w after every epoch."""
    w = torch.tensor(initial_w, requires_grad=True)
    w_history = [w.item()]
    for epoch in range(num_epochs):
        loss = ((w * x - y) ** 2).mean()  # forward and loss
        loss.backward()  # backward: adds dL/dw to whatever w.grad holds
        with torch.no_grad():
            w -= learning_rate * w.grad  # update
        if zero_the_gradient:
            w.grad.zero_()
        w_history.append(w.item())
    return w_history


w_zeroed = train_with_autograd(zero_the_gradient=True)
w_forgot = train_with_autograd(zero_the_gradient=False)
for epoch in range(num_epochs):  # w_history[epoch + 1] is w after this epoch's update
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | w zeroed {w_zeroed[epoch + 1]:.4f} | w not zeroed {w_forgot[epoch + 1]:.4f}")

# Without zeroing, w.grad is the sum of every gradient so far: w overshoots,
# swings back, and keeps swinging around best_w instead of settling.
late_swing = max(abs(value - best_w.item()) for value in w_forgot[-20:])
highest_w_forgot = max(w_forgot)
print(f"Result: in the last 20 epochs w still strays {late_swing:.2f} from best_w")
assert late_swing > 1.0
assert highest_w_forgot > 1.5 * true_w
assert abs(w_zeroed[-1] - best_w.item()) < 1e-3

fig, ax = plt.subplots()
ax.plot(w_zeroed, label="w.grad.zero_() every epoch")
ax.plot(w_forgot, label="gradient never zeroed")
ax.axhline(true_w, color="gray", linestyle="--", label="true w = 3")
ax.set_title("Forgetting to zero the gradient: w never settles")
ax.set_xlabel("epoch")
ax.set_ylabel("w")
ax.set_ylim(-1.0, 8.5)  # leave room for the legend above the swings
ax.legend(loc="upper right")
plt.show()
