"""A complete training loop for one parameter, with a gradient derived by hand.

The model is y_hat = w * x. The loop repeats four steps: forward (predict),
loss (mean squared error), backward (dL/dw from the formula in the post) and
update (step against the gradient). Everything else is bookkeeping.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters
true_w = 3.0  # the slope that generated the data; the loop never sees it
num_points = 10  # how many (x, y) examples
noise_std = 0.5  # standard deviation of the noise added to y
initial_w = 0.0  # where the parameter starts
learning_rate = 0.05  # the step size, eta in the math
num_epochs = 50  # each step uses every point, so one step is one epoch

torch.manual_seed(0)

# %% data
x = torch.linspace(-2.0, 2.0, num_points)  # (num_points,)
y = true_w * x + noise_std * torch.randn(num_points)  # (num_points,)

# The best w any line through the origin can reach on these points, and its
# loss. The loop does not use them; they tell us where it should end up.
best_w = (x * y).sum() / (x * x).sum()
best_loss = ((best_w * x - y) ** 2).mean()
print(f"best possible w {best_w.item():.4f} | best possible loss {best_loss.item():.4f}")

# %% train
w = torch.tensor(initial_w)
losses = []  # loss at each epoch, measured before that epoch's update
w_history = [w.item()]  # w before the first update and after every update

for epoch in range(num_epochs):
    # forward: predict every y from its x
    y_pred = w * x
    # loss: mean squared error, one number that says how wrong we are
    loss = ((y_pred - y) ** 2).mean()
    # backward: dL/dw, derived by hand in the post
    grad_w = (2.0 / num_points) * ((y_pred - y) * x).sum()
    # update: a small step against the gradient
    w = w - learning_rate * grad_w

    # record, so we can look at the run afterwards
    losses.append(loss.item())
    w_history.append(w.item())
    if epoch % 10 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f} | w {w.item():.4f}")

final_w = w.item()
final_loss = ((w * x - y) ** 2).mean().item()
print(f"Result: w = {final_w:.4f} (true {true_w:.1f}), loss = {final_loss:.4f}")

# %% checks
# The claims the post makes about this run, each one checked.
initial_loss = losses[0]
loss_ratio = initial_loss / final_loss
# the first epoch whose loss is within 0.01 of the best possible loss
epoch_near_floor = next(e for e, value in enumerate(losses) if value < best_loss.item() + 0.01)

assert all(later < earlier for earlier, later in zip(losses, losses[1:]))  # down every epoch
assert losses[10] < 1.0 and epoch_near_floor <= 25  # a steep fall, then a flat tail
assert loss_ratio > 40
assert final_loss - best_loss.item() < 1e-5  # on the floor, to four decimals
assert abs(final_w - best_w.item()) < 1e-3  # within a thousandth of best_w
assert all(later > earlier for earlier, later in zip(w_history, w_history[1:]))
assert max(w_history) < best_w.item()  # w creeps up on best_w, never overshoots
assert abs(final_w - true_w) < 0.1  # close to the true slope...
assert best_w.item() < true_w  # ...but the noise puts the best slope just below 3

# %% shrink
# For this loss every update shrinks the distance to best_w by the same factor,
# 1 - 2 * eta * mean(x^2) (see "The math, step by step"). Check it on the run.
curvature = (x * x).mean().item()
shrink_factor = 1.0 - 2.0 * learning_rate * curvature
distances = torch.tensor(w_history) - best_w  # (num_epochs + 1,)
measured_factors = distances[1:11] / distances[:10]  # early epochs, far from rounding noise
print(f"predicted factor {shrink_factor:.4f} | measured {measured_factors.mean().item():.4f}")
torch.testing.assert_close(measured_factors, torch.full((10,), shrink_factor), atol=1e-4, rtol=0.0)
distance_after_10 = abs(distances[10].item())

# %% plot_loss
fig, ax = plt.subplots()
ax.plot(range(num_epochs), losses, marker=".", label="training loss")
ax.axhline(best_loss.item(), color="gray", linestyle="--", label="best possible loss")
ax.set_title("The loss falls fast, then levels off at the noise floor")
ax.set_xlabel("epoch")
ax.set_ylabel("mean squared error")
ax.legend()
plt.show()

# %% plot_w
fig, ax = plt.subplots()
ax.plot(range(num_epochs + 1), w_history, marker=".", label="w during training")
ax.axhline(true_w, color="gray", linestyle="--", label="true w = 3")
ax.set_title("w climbs from 0 towards the true slope")
ax.set_xlabel("epoch")
ax.set_ylabel("w")
ax.legend()
plt.show()

# %% plot_fit
fig, ax = plt.subplots()
ax.scatter(x, y, color="black", label="data")
ax.plot(x, initial_w * x, linestyle=":", label=f"start, w = {initial_w:.1f}")
ax.plot(x, final_w * x, label=f"after training, w = {final_w:.2f}")
ax.set_title("The learned line runs through the noisy points")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
plt.show()
