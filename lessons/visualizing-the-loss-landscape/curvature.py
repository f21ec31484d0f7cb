"""Curvature sets the largest learning rate that works.

New in this lesson: the Hessian, the matrix of second derivatives of the loss. For
the MSE of a line it is the same at every (w, b). Its largest eigenvalue lambda_max
predicts the edge 2 / lambda_max: a learning rate just below it converges, one just
above it diverges. We check the formula with autograd and the edge with the loop.
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as post 1.2)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
edge_fractions = [0.95, 1.0, 1.05]  # learning rates as fractions of 2 / lambda_max
num_steps = 100  # full-batch gradient steps

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start = torch.cat([torch.randn(1), torch.randn(1)])  # (2,): (w, b), the start of post 1.2
# The same numbers in float64: this lesson follows distances down to 1e-5 and below,
# where float32 rounding would start to show in the last printed digits.
x, y, start = x.double(), y.double(), start.double()

features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best = torch.linalg.lstsq(features, y, driver="gels").solution.flatten()  # (2,): (w*, b*)


def mse(params: torch.Tensor) -> torch.Tensor:
    """The loss of post 1.2 as a function of one vector params = (w, b)."""
    w, b = params[0], params[1]
    return ((w * x + b - y) ** 2).mean()


# %% hessian
mean_x = x.mean()
mean_x_squared = (x**2).mean()
hessian = 2 * torch.stack([
    torch.stack([mean_x_squared, mean_x]),
    torch.stack([mean_x, torch.tensor(1.0, dtype=torch.float64)]),
])  # (2, 2), the formula derived in the post
print("Hessian by formula:")
for row in hessian.tolist():
    print(f"  [{row[0]:7.4f} {row[1]:7.4f}]")

# Autograd differentiates twice; a quadratic bowl has the same Hessian everywhere.
for point in [start, best, torch.tensor([10.0, -7.0], dtype=torch.float64)]:
    hessian_autograd = torch.autograd.functional.hessian(mse, point)
    torch.testing.assert_close(hessian_autograd, hessian)

# %% eigenvalues
lambda_min, lambda_max = torch.linalg.eigvalsh(hessian).tolist()  # ascending order
max_learning_rate = 2 / lambda_max
condition_number = lambda_max / lambda_min
print(f"lambda_min {lambda_min:.4f} | lambda_max {lambda_max:.4f}")
print(f"largest stable learning rate 2 / lambda_max = {max_learning_rate:.4f}")
print(f"condition number lambda_max / lambda_min = {condition_number:.4f}")
for learning_rate in [0.1, 0.5, 1.0]:
    factors = [1 - learning_rate * eigenvalue for eigenvalue in (lambda_min, lambda_max)]
    print(f"lr {learning_rate:4.1f} | factor along the flat direction {factors[0]:6.3f}"
          f" | along the steep direction {factors[1]:6.3f}")
bounce_factor = 1 - 1.0 * lambda_max
assert lambda_min > 0  # curved upwards in every direction: one bowl, one minimum
# The inputs are symmetric around 0, so the Hessian is diagonal: its axes are w and b.
assert abs(hessian[0, 1].item()) < 1e-6
torch.testing.assert_close(lambda_min, 2 * mean_x_squared.item())
torch.testing.assert_close(lambda_max, 2.0)
# Here the steep direction is b (mean(x) is 0) and lr 1.0 sits exactly on the edge.
torch.testing.assert_close(max_learning_rate, 1.0, rtol=1e-5, atol=0)
torch.testing.assert_close(bounce_factor, -1.0, rtol=0, atol=1e-5)


# %% edge
def distances_to_minimum(learning_rate: float) -> torch.Tensor:
    """Run the loop of post 1.2 and return |(w, b) - (w*, b*)| after every step."""
    w, b = start[0].clone(), start[1].clone()
    distances = [torch.stack([w, b]).sub(best).norm()]
    for step in range(num_steps):
        # forward
        y_pred = w * x + b
        # loss: not needed for the update, which uses only the gradients below
        error = y_pred - y
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
        distances.append(torch.stack([w, b]).sub(best).norm())
    return torch.stack(distances)  # (num_steps + 1,)


runs = {fraction: distances_to_minimum(fraction * max_learning_rate) for fraction in edge_fractions}
for fraction, distances in runs.items():
    print(f"lr {fraction * max_learning_rate:.4f} ({fraction:.2f} x edge)"
          f" | distance after {num_steps} steps {distances[-1].item():.3e}")

fig, ax = plt.subplots()
for fraction, distances in runs.items():
    ax.semilogy(distances.numpy(), label=rf"$\eta = {fraction:.2f} \times 2/\lambda_{{max}}$")
ax.set_title(r"Just below, at and just above the edge $2/\lambda_{max}$")
ax.set_xlabel("step")
ax.set_ylabel("distance to the minimum (log scale)")
ax.legend()
plt.show()

start_distance = runs[1.0][0].item()
shrink_below = runs[0.95][-1].item() / start_distance
growth_above = runs[1.05][-1].item() / start_distance
shrink_fold = 1 / shrink_below
print(f"Result: below the edge the distance shrinks {shrink_fold:,.0f}-fold,"
      f" above it grows {growth_above:,.0f}-fold")
assert all(distances[3] < distances[0] for distances in runs.values())  # all start alike
assert shrink_below < 1e-3  # converges
assert growth_above > 1e3  # diverges

# %% predict
# The math says: along eigenvector v_i the offset is multiplied by (1 - lr * lambda_i) each step.
eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
learning_rate = 0.95 * max_learning_rate
offset_in_eigenbasis = eigenvectors.T @ (start - best)  # (2,)
steps = torch.arange(num_steps + 1).unsqueeze(1)  # (T, 1)
predicted = ((1 - learning_rate * eigenvalues) ** steps * offset_in_eigenbasis).norm(dim=1)
torch.testing.assert_close(runs[0.95], predicted, rtol=1e-6, atol=1e-12)
print("Result: the loop follows the eigenvalue prediction at every step")
