"""Pitfall 3: forgetting to zero the gradients.

New here: the loop without its last step. `backward()` does not overwrite
`param.grad`, it adds to it. Without zeroing, every step uses the sum of all
gradients so far, and the parameters swing around the minimum instead of
settling into it.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters
true_a, true_b, true_c = 2.0, -1.0, 0.5  # the parabola that generates the data
noise_std = 0.1  # standard deviation of the noise added to y
num_points = 200  # N, the number of (x, y) pairs
learning_rate = 0.5  # the "good" rate from the learning-rate study
small_learning_rate = 0.05  # a tenth of it, to show that a smaller step does not help
num_epochs = 100  # full passes over the data

torch.manual_seed(0)

# %% data
x = torch.rand(num_points) * 2 - 1  # (N,) uniform in [-1, 1]
y = true_a * x**2 + true_b * x + true_c + noise_std * torch.randn(num_points)  # (N,)
initial = torch.randn(3)  # the same starting point for both runs


def quadratic(x, params):
    """The model: y_hat = a*x^2 + b*x + c."""
    a, b, c = params
    return a * x**2 + b * x + c


def mse(y_pred, y):
    """Mean squared error."""
    return ((y_pred - y) ** 2).mean()


# %% accumulate
params = [initial[i].clone().requires_grad_() for i in range(3)]
half = num_points // 2
mse(quadratic(x[:half], params), y[:half]).backward()  # gradient of the first half
grad_first = torch.stack([param.grad.clone() for param in params])
for param in params:
    param.grad.zero_()
mse(quadratic(x[half:], params), y[half:]).backward()  # gradient of the second half
grad_second = torch.stack([param.grad.clone() for param in params])

mse(quadratic(x[:half], params), y[:half]).backward()  # first half again, no zeroing
accumulated = torch.stack([param.grad for param in params])


def show(label, grads):
    """Print [dL/da, dL/db, dL/dc] on one fixed-width line."""
    print(f"{label:<22}" + " ".join(f"{g:+.4f}" for g in grads.tolist()))


show("first half", grad_first)
show("second half", grad_second)
show("param.grad (no zero)", accumulated)
torch.testing.assert_close(accumulated, grad_first + grad_second)


# %% train_both
def train(zero_grads, learning_rate=learning_rate):
    """The loop from train_function.py, with the zero step optional."""
    params = [initial[i].clone().requires_grad_() for i in range(3)]
    losses = []
    for epoch in range(num_epochs):
        # forward
        y_pred = quadratic(x, params)
        # loss
        loss = mse(y_pred, y)
        # backward
        loss.backward()
        # update
        with torch.no_grad():
            for param in params:
                param -= learning_rate * param.grad
        # zero
        if zero_grads:
            for param in params:
                param.grad.zero_()
        losses.append(loss.item())
    return losses


losses_zeroed = train(zero_grads=True)
losses_forgot = train(zero_grads=False)
for epoch in range(0, num_epochs, 20):
    zeroed, forgot = losses_zeroed[epoch], losses_forgot[epoch]
    print(f"epoch {epoch:3d} | loss zeroed {zeroed:.4f} | loss forgot {forgot:.4f}")
final_zeroed, final_forgot = losses_zeroed[-1], losses_forgot[-1]
worst_late_forgot = max(losses_forgot[num_epochs // 2 :])
assert final_zeroed < 1.5 * noise_std**2
assert worst_late_forgot > 10 * final_zeroed  # still swinging in the second half
initial_loss = losses_forgot[0]
assert worst_late_forgot > initial_loss  # back above where it started

# A ten times smaller step swings more slowly, but it does not settle either.
losses_forgot_small = train(zero_grads=False, learning_rate=small_learning_rate)
worst_late_forgot_small = max(losses_forgot_small[num_epochs // 2 :])
assert worst_late_forgot_small > 10 * final_zeroed
late = "worst loss in epochs 50-99"
print(f"no zeroing, lr {learning_rate:<4} | {late} {worst_late_forgot:.4f}")
print(f"no zeroing, lr {small_learning_rate:<4} | {late} {worst_late_forgot_small:.4f}")
print(f"Result: final loss zeroed {final_zeroed:.4f}, forgot {final_forgot:.4f}")

# %% plot
fig, ax = plt.subplots()
ax.plot(losses_zeroed, label="grad zeroed every step")
ax.plot(losses_forgot, label="zeroing forgotten")
ax.set_yscale("log")
ax.set_title("The same loop, with and without zeroing the gradients")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss (log scale)")
ax.set_ylim(bottom=2e-3)  # room for the legend below the curves
ax.legend(loc="lower right")
plt.show()
