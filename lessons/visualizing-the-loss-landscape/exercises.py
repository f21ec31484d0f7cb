"""Solutions to the exercises of "Visualizing the Loss Landscape".

One cell per exercise. Each cell is self-contained apart from the shared data below.
"""

import torch

# Hyperparameters and data settings (the same data and start as post 1.2)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
tolerance = 1e-6  # "converged" = loss within this of the minimum
max_steps = 1000

torch.manual_seed(42)

# %% data
noise = noise_std * torch.randn(N, 1)  # (N, 1)
start_w, start_b = torch.randn(1).item(), torch.randn(1).item()  # the start of post 1.2
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1), the data of post 1.2
y = true_w * x + true_b + noise
x_wide = torch.linspace(0, 5, N).unsqueeze(1)  # (N, 1), the narrow-valley data
y_wide = true_w * x_wide + true_b + noise
# float64 as in narrow_valley.py: step counts are then decided by the math, not by rounding
x, y, x_wide, y_wide = x.double(), y.double(), x_wide.double(), y_wide.double()


def least_squares(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
    """Best (w, b) and the minimum loss, found directly."""
    features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
    # driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
    # so its last digits could change from one run to the next (pytorch#187411)
    w, b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
    return w, b, ((w * x + b - y) ** 2).mean().item()


def hessian_eigenvalues(x: torch.Tensor) -> tuple[float, float]:
    """lambda_min, lambda_max of the (constant) Hessian of the MSE."""
    hessian = 2 * torch.tensor([[(x**2).mean(), x.mean()], [x.mean(), 1.0]], dtype=torch.float64)
    lambda_min, lambda_max = torch.linalg.eigvalsh(hessian).tolist()
    return lambda_min, lambda_max


def steps_to_converge(x: torch.Tensor, y: torch.Tensor, learning_rate: float, w: float, b: float) -> int:
    """Gradient descent from (w, b); the number of steps until the loss is within tolerance."""
    min_loss = least_squares(x, y)[2]
    for step in range(max_steps):
        # forward
        error = w * x + b - y
        # loss
        if (error**2).mean().item() - min_loss < tolerance:
            return step
        # backward
        grad_w = 2 * (error * x).mean().item()
        grad_b = 2 * error.mean().item()
        # update
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
    return max_steps


# %% solution_1
# Exercise 1: center the wide inputs (subtract their mean) and measure the condition number again.
x_centered = x_wide - x_wide.mean()
results = {}
for name, inputs in [("x in [0, 5]", x_wide), ("centered", x_centered)]:
    lambda_min, lambda_max = hessian_eigenvalues(inputs)
    best_rate = 2 / (lambda_min + lambda_max)
    steps = steps_to_converge(inputs, y_wide, best_rate, 0.0, 3.0)  # start as in narrow_valley.py
    results[name] = (lambda_max / lambda_min, steps)
    print(f"{name:12s} | condition number {lambda_max / lambda_min:6.2f} | steps {steps:4d}")
condition_wide, steps_wide = results["x in [0, 5]"]
condition_centered, steps_centered = results["centered"]
# Same line either way: y = w (x - mean) + b_c means the original intercept is b_c - w * mean.
w_wide, b_wide, _ = least_squares(x_wide, y_wide)
w_centered, b_centered, _ = least_squares(x_centered, y_wide)
torch.testing.assert_close(w_centered, w_wide, rtol=1e-5, atol=1e-5)
torch.testing.assert_close(b_centered - w_centered * x_wide.mean().item(), b_wide, rtol=1e-4, atol=1e-4)
assert condition_centered < 3 and steps_centered < 20

# %% solution_2
# Exercise 2: on the tilted [0, 5] bowl, compare post 1.2's one-parameter-at-a-time limits
# with the true edge 2 / lambda_max, and train between the two.
hessian = 2 * torch.tensor([[(x_wide**2).mean(), x_wide.mean()], [x_wide.mean(), 1.0]], dtype=torch.float64)
curvature_w, curvature_b = hessian[0, 0].item(), hessian[1, 1].item()  # the diagonal: lambda_w, lambda_b
naive_limit = min(2 / curvature_w, 2 / curvature_b)  # "each parameter below its own 2 / lambda"
true_edge = 2 / hessian_eigenvalues(x_wide)[1]
tilted_rate = (naive_limit + true_edge) / 2
print(f"per-parameter limit {naive_limit:.4f} | true edge {true_edge:.4f} | trying {tilted_rate:.4f}")
best_w_wide, best_b_wide, _ = least_squares(x_wide, y_wide)
w, b = 0.0, 3.0  # the start of narrow_valley.py
start_distance = ((w - best_w_wide) ** 2 + (b - best_b_wide) ** 2) ** 0.5
for step in range(100):
    # forward (the loss itself is not needed for the update)
    error = w * x_wide + b - y_wide
    # backward
    grad_w = 2 * (error * x_wide).mean().item()
    grad_b = 2 * error.mean().item()
    # update
    w = w - tilted_rate * grad_w
    b = b - tilted_rate * grad_b
tilted_growth = ((w - best_w_wide) ** 2 + (b - best_b_wide) ** 2) ** 0.5 / start_distance
print(f"after 100 steps the distance to the minimum has grown {tilted_growth:,.0f}-fold")
assert true_edge < naive_limit  # coupling makes the bowl steeper than either axis alone
assert tilted_growth > 100  # diverges, although each parameter is "below its limit"

# %% solution_3
# Exercise 3: torch.optim.SGD just above the edge walks the same (diverging) path as our loop.
learning_rate = 1.05 * 2 / hessian_eigenvalues(x)[1]
best_w, best_b, _ = least_squares(x, y)
params = torch.tensor([start_w, start_b], dtype=torch.float64, requires_grad=True)  # (2,): (w, b)
optimizer = torch.optim.SGD([params], lr=learning_rate)
w, b = start_w, start_b
sgd_path, hand_path = [], []
for step in range(30):
    # PyTorch's version: autograd for the backward step, SGD for the update
    optimizer.zero_grad()
    loss = ((params[0] * x + params[1] - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    sgd_path.append(params.detach().clone())
    # our version, as in the post
    error = w * x + b - y
    w = w - learning_rate * 2 * (error * x).mean().item()
    b = b - learning_rate * 2 * error.mean().item()
    hand_path.append(torch.tensor([w, b], dtype=torch.float64))
torch.testing.assert_close(torch.stack(sgd_path), torch.stack(hand_path), rtol=1e-4, atol=1e-4)
best = torch.tensor([best_w, best_b], dtype=torch.float64)
start_distance = (torch.tensor([start_w, start_b], dtype=torch.float64) - best).norm().item()
sgd_distance = (sgd_path[-1] - best).norm().item()
print(f"lr {learning_rate:.3f} | distance to the minimum: start {start_distance:.2f},"
      f" after 30 steps {sgd_distance:.2f}")
assert sgd_distance > 2 * start_distance  # further away than where it started

# %% solution_4
# Exercise 4: scan learning rates on the narrow valley; is 2 / (lambda_min + lambda_max) the best?
lambda_min, lambda_max = hessian_eigenvalues(x_wide)
formula_rate = 2 / (lambda_min + lambda_max)
candidates = torch.linspace(0.5, 0.995, 100, dtype=torch.float64) * 2 / lambda_max  # (R,), below the edge
min_loss = least_squares(x_wide, y_wide)[2]
w = torch.full((len(candidates), 1), 0.0, dtype=torch.float64)  # (R, 1): one run per rate, all at once
b = torch.full((len(candidates), 1), 3.0, dtype=torch.float64)
steps = torch.full((len(candidates),), max_steps)
for step in range(max_steps):
    # forward
    error = w * x_wide.T + b - y_wide.T  # (R, N)
    # loss: record the first step at which each run is within tolerance
    excess = (error**2).mean(dim=1) - min_loss  # (R,)
    steps = torch.where((excess < tolerance) & (steps == max_steps), step, steps)
    # backward
    grad_w = 2 * (error * x_wide.T).mean(dim=1, keepdim=True)  # (R, 1)
    grad_b = 2 * error.mean(dim=1, keepdim=True)  # (R, 1)
    # update
    w = w - candidates[:, None] * grad_w
    b = b - candidates[:, None] * grad_b
scan_rate = candidates[steps.argmin()].item()
scan_steps = steps.min().item()
formula_steps = steps_to_converge(x_wide, y_wide, formula_rate, 0.0, 3.0)
print(f"formula {formula_rate:.4f} ({formula_steps} steps) | best in the scan {scan_rate:.4f} ({scan_steps} steps)")
assert abs(scan_rate - formula_rate) / formula_rate < 0.01
