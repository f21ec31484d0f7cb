"""The MSE of linear regression drawn as a landscape over (w, b).

New in this lesson: no training at all. We evaluate the loss of post 1.2 at every
point of a grid of (w, b) pairs, measure the bowl's curvature with the Hessian H,
and draw the bowl from above (contours, with H's eigenvectors) and from the side.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from mpl_toolkits.mplot3d.axes3d import Axes3D

# Data settings (the same data as post 1.2)
true_w = 2.0  # slope of the line that generates the data
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 100  # number of data points
w_limits = (-1.0, 5.0)  # the part of (w, b) space we draw
b_limits = (-4.0, 2.0)
grid_size = 121  # grid points along each axis (a spacing of 0.05)

torch.manual_seed(42)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y: torch.Tensor = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
x, y = x.double(), y.double()  # float64: the checks below compare to 1e-10


def mse(params: torch.Tensor) -> torch.Tensor:
    """The loss of post 1.2 for the line params = (w, b)."""
    w, b = params[0], params[1]
    return ((w * x + b - y) ** 2).mean()


# The bottom of the bowl, found directly: least squares on the columns [x, 1].
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best: torch.Tensor = torch.linalg.lstsq(features, y, driver="gels").solution.flatten()  # (w*, b*)
best_w, best_b = best.tolist()
min_loss = mse(best).item()
print(f"minimum: w* = {best_w:.4f}, b* = {best_b:.4f}, L* = {min_loss:.4f}")

# %% hessian
mean_x, mean_x2 = x.mean().item(), (x**2).mean().item()
hessian = 2 * torch.tensor([[mean_x2, mean_x], [mean_x, 1.0]], dtype=torch.float64)  # the formula
# Autograd differentiates twice. A quadratic bowl has the same H at every point.
for point in [best, torch.tensor([-0.5, 1.5]), torch.tensor([10.0, -7.0])]:
    torch.testing.assert_close(torch.autograd.functional.hessian(mse, point.double()), hessian)

eigenvalues, eigenvectors = torch.linalg.eigh(hessian)  # ascending; column k goes with eigenvalue k
lambda_min, lambda_max = eigenvalues.tolist()
condition_number = lambda_max / lambda_min
for k, name in enumerate(["flat ", "steep"]):
    v = eigenvectors[:, k]
    torch.testing.assert_close(v.norm().item(), 1.0)  # eigh returns unit-length eigenvectors
    print(f"{name} direction v = ({v[0]:+.3f}, {v[1]:+.3f}) | curvature lambda = {eigenvalues[k]:.4f}")
    # Step s from the minimum along the unit vector v: the loss rises by exactly lambda * s^2 / 2.
    s = 0.7
    torch.testing.assert_close(mse(best + s * v) - min_loss, eigenvalues[k] * s**2 / 2)
print(f"condition number kappa = lambda_max / lambda_min = {condition_number:.2f}")
# mean(x) = 0 here, so H is diagonal: its eigenvectors are the w axis and the b axis.
assert abs(mean_x) < 1e-12
torch.testing.assert_close(lambda_min, 2 * mean_x2)  # lambda_w of post 1.2
torch.testing.assert_close(lambda_max, 2.0)  # lambda_b of post 1.2

# %% grid
w_values = torch.linspace(*w_limits, grid_size, dtype=torch.float64)  # (G,)
b_values = torch.linspace(*b_limits, grid_size, dtype=torch.float64)  # (G,)
W, B = torch.meshgrid(w_values, b_values, indexing="xy")  # (G, G) each: rows follow b
# One prediction per grid point and data point, all at once by broadcasting.
y_pred = W.unsqueeze(-1) * x.flatten() + B.unsqueeze(-1)  # (G, G, N)
loss_grid = ((y_pred - y.flatten()) ** 2).mean(dim=-1)  # (G, G)
# Broadcasting repeated W and B along the data and x along the grid: one grid point, by hand.
torch.testing.assert_close(y_pred[7, 3], W[7, 3] * x.flatten() + B[7, 3])

row, col = np.unravel_index(int(loss_grid.argmin()), loss_grid.shape)
grid_best_w, grid_best_b = W[row, col].item(), B[row, col].item()
grid_step = (w_limits[1] - w_limits[0]) / (grid_size - 1)
print(f"lowest grid point: w = {grid_best_w:.2f}, b = {grid_best_b:.2f}")
# The grid finds the same bottom as least squares, to within one grid step.
assert abs(grid_best_w - best_w) <= grid_step and abs(grid_best_b - best_b) <= grid_step

# %% contour
levels = np.geomspace(0.02, 12, 12)  # log-spaced: the bowl is flat near the bottom
fig, ax = plt.subplots()
contours = ax.contour(W.numpy(), B.numpy(), loss_grid.numpy(), levels=levels, cmap="viridis")
ax.clabel(contours, levels[::3], fmt="%.2g", fontsize=8)
# Each eigenvector as an arrow from the minimum to the contour L = arrow_level:
# along v the loss rises by lambda * s^2 / 2, so that contour is s = sqrt(2 (level - L*) / lambda) away.
arrow_level = float(levels[8])
arrow_lengths: list[float] = []
for k, (color, name) in enumerate([("tab:orange", "flat"), ("tab:red", "steep")]):
    s = (2 * (arrow_level - min_loss) / eigenvalues[k].item()) ** 0.5
    tip = best + s * eigenvectors[:, k]
    arrow_lengths.append(s)
    torch.testing.assert_close(mse(tip).item(), arrow_level)  # the tip sits on that contour
    ax.annotate("", xy=tuple(tip.tolist()), xytext=(best_w, best_b),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 2})
    ax.plot([], [], color=color, label=rf"{name} eigenvector, $\lambda$ = {eigenvalues[k].item():.2f}")
ax.plot(best_w, best_b, "k*", markersize=12, label="minimum")
ax.set_aspect("equal")
ax.set_title("MSE over (w, b), seen from above")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="upper right", fontsize=8)
plt.show()
# Arrow lengths go as 1 / sqrt(lambda): the flat one is sqrt(kappa) times as long as the steep one.
arrow_ratio = arrow_lengths[0] / arrow_lengths[1]
print(f"the flat arrow is {arrow_ratio:.2f} times as long as the steep one")
torch.testing.assert_close(arrow_ratio, condition_number**0.5)

# %% surface
stride = 4  # draw every 4th grid line: enough to see the shape, light to render
fig, ax = plt.subplots(subplot_kw={"projection": "3d"})
assert isinstance(ax, Axes3D)  # projection="3d" gives 3-D axes (tells mypy too)
ax.plot_surface(W[::stride, ::stride].numpy(), B[::stride, ::stride].numpy(),
                loss_grid[::stride, ::stride].numpy(), cmap="viridis", linewidth=0)
ax.set_title("The same bowl from the side")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.set_zlabel("MSE")
ax.view_init(elev=25, azim=-60)
plt.show()
