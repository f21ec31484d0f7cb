"""Why the learning rate has a speed limit: the curvature of the loss.

New in this lesson: the second derivatives of the MSE loss. The loss is a
quadratic bowl, so one gradient step multiplies the distance to the bottom by a
fixed factor, 1 - learning_rate * curvature. We compute the curvatures by hand,
check them against PyTorch's Hessian, and check the factors against real runs.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as linear_regression.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
learning_rates = [0.01, 0.1, 0.5, 1.0, 1.05]
num_epochs = 50

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w = torch.randn(1)
start_b = torch.randn(1)
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()

# %% curvature
lambda_w = 2 * (x**2).mean().item()  # d2L/dw2
lambda_b = 2.0  # d2L/db2
cross_term = 2 * x.mean().item()  # d2L/dw db


def loss_of(params: torch.Tensor) -> torch.Tensor:
    """MSE as a function of params = [w, b], for torch.autograd.functional.hessian."""
    return ((params[0] * x + params[1] - y) ** 2).mean()


hessian = torch.autograd.functional.hessian(loss_of, torch.tensor([best_w, best_b]))
by_hand = torch.tensor([[lambda_w, cross_term], [cross_term, lambda_b]])
torch.testing.assert_close(hessian, by_hand)
print("Hessian from autograd:")
for row in hessian.tolist():
    print(" ".join(f"{value:10.4f}" for value in row))
print(f"lambda_w = {lambda_w:.4f} | lambda_b = {lambda_b:.4f} | cross term = {cross_term:.1e}")
curvature_ratio = lambda_b / lambda_w  # how much more sharply the bowl curves along b
assert abs(cross_term) < 1e-6  # x is symmetric around 0: w and b do not interact
assert 0.68 < lambda_w < 0.69
assert 2.5 < curvature_ratio < 3.5

# %% factors
limit_w = 2 / lambda_w  # largest stable learning rate for w
limit_b = 2 / lambda_b  # ... and for b
print(f"stable for w when lr < {limit_w:.4f} | stable for b when lr < {limit_b:.4f}")
slow_factor_w = 1 - 0.01 * lambda_w
slow_shrink_percent = 100 * (1 - slow_factor_w)  # w's error lost per epoch at lr 0.01
slow_left_after_run = slow_factor_w**num_epochs
good_factor_w = 1 - 0.1 * lambda_w
good_left_after_run = good_factor_w**num_epochs
edge_factor_w = 1 - 1.0 * lambda_w
edge_factor_b = 1 - 1.0 * lambda_b
over_growth = abs(1 - 1.05 * lambda_b) ** num_epochs  # how much lr 1.05 magnifies b's error
assert edge_factor_b == -1.0  # lr 1.0 sits exactly on the limit for b
assert 0 < edge_factor_w < 0.35  # ... and well inside it for w
assert limit_b == 1.0 and limit_w > 2.9


# %% measure
def error_history(learning_rate: float) -> tuple[list[float], list[float]]:
    """Run the loop; return w - w* and b - b* after every epoch (start included)."""
    w, b = start_w.clone(), start_b.clone()
    w_errors, b_errors = [w.item() - best_w], [b.item() - best_b]
    for epoch in range(num_epochs):
        # forward
        y_pred = w * x + b
        # loss: its value is not needed here, only its gradient
        error = y_pred - y
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w -= learning_rate * grad_w
        b -= learning_rate * grad_b
        w_errors.append(w.item() - best_w)
        b_errors.append(b.item() - best_b)
    return w_errors, b_errors


errors = {learning_rate: error_history(learning_rate) for learning_rate in learning_rates}
print("     |  factor for w       |  factor for b")
print("lr   | 1 - lr*lw  measured | 1 - lr*lb  measured")
for learning_rate, (w_errors, b_errors) in errors.items():
    factor_w = 1 - learning_rate * lambda_w
    factor_b = 1 - learning_rate * lambda_b
    # measured ratio of one step, taken at the first step where the errors are largest
    ratio_w = w_errors[1] / w_errors[0]
    ratio_b = b_errors[1] / b_errors[0]
    print(f"{learning_rate:4.2f} | {factor_w:9.4f} {ratio_w:9.4f} | {factor_b:9.4f} {ratio_b:9.4f}")
    torch.testing.assert_close(ratio_w, factor_w, rtol=0, atol=1e-4)
    torch.testing.assert_close(ratio_b, factor_b, rtol=0, atol=1e-4)
slow_w_errors = errors[0.01][0]
measured_left_after_run = slow_w_errors[-1] / slow_w_errors[0]
torch.testing.assert_close(measured_left_after_run, slow_left_after_run, rtol=1e-3, atol=0)
good_w_errors = errors[0.1][0]
torch.testing.assert_close(good_w_errors[-1] / good_w_errors[0], good_left_after_run, rtol=1e-3, atol=0)
over_b_errors = errors[1.05][1]
torch.testing.assert_close(abs(over_b_errors[-1] / over_b_errors[0]), over_growth, rtol=1e-3, atol=0)
print(
    f"after {num_epochs} epochs at lr 0.01, w keeps {measured_left_after_run:.4f} of its error "
    f"(predicted {slow_left_after_run:.4f})"
)
print(f"after {num_epochs} epochs at lr 1.05, b's error is {over_growth:.0f} times larger")
assert abs(errors[0.5][1][1]) < 1e-5  # lr = 1 / lambda_b puts b on b* in a single step

# %% plot_errors
epochs = range(num_epochs + 1)
fig, ax = plt.subplots()
for learning_rate, color in zip([0.01, 0.1, 1.0, 1.05], ["tab:blue", "tab:orange", "tab:red", "tab:purple"]):
    measured = [abs(value) for value in errors[learning_rate][1]]
    predicted = [abs(errors[learning_rate][1][0] * (1 - learning_rate * lambda_b) ** t) for t in epochs]
    ax.plot(epochs, measured, "o", markersize=3, color=color, label=f"lr = {learning_rate}")
    ax.plot(epochs, predicted, "-", color=color, alpha=0.6)
ax.plot([], [], "-", color="gray", label="predicted |1 - 2 lr|^t d")
ax.set_yscale("log")
ax.set_title("Distance of b from b*: measured vs predicted")
ax.set_xlabel("epoch t")
ax.set_ylabel("|b - b*| (log scale)")
ax.legend(fontsize="small")
plt.show()
