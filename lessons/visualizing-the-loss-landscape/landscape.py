"""The MSE of linear regression drawn as a landscape over (w, b).

New in this lesson: no training at all. We evaluate the loss of post 1.2 at every
point of a grid of (w, b) pairs and draw it twice, as a contour map (seen from
above) and as a 3-D surface (seen from the side).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

# Hyperparameters and data settings (the same data as post 1.2)
true_w = 2.0  # slope of the line that generates the data
true_b = -1.0  # intercept of that line
noise_std = 0.1  # standard deviation of the noise added to each y
N = 100  # number of data points
w_limits = (-1.0, 5.0)  # the part of (w, b) space we draw
b_limits = (-4.0, 2.0)
grid_size = 121  # grid points along each axis (a spacing of 0.05)

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)


def mse(w: float, b: float) -> float:
    """The loss of post 1.2 for one line y = w x + b."""
    return ((w * x + b - y) ** 2).mean().item()


# The bottom of the bowl, found directly: least squares on the columns [x, 1].
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
min_loss = mse(best_w, best_b)
print(f"minimum: w* = {best_w:.4f}, b* = {best_b:.4f}, loss {min_loss:.4f}")

# %% grid
w_values = torch.linspace(*w_limits, grid_size)  # (G,)
b_values = torch.linspace(*b_limits, grid_size)  # (G,)
W, B = torch.meshgrid(w_values, b_values, indexing="xy")  # (G, G): rows follow b
# One prediction per grid point and data point, all at once by broadcasting.
y_pred = W.unsqueeze(-1) * x.flatten() + B.unsqueeze(-1)  # (G, G, N)
loss_grid = ((y_pred - y.flatten()) ** 2).mean(dim=-1)  # (G, G)

row, col = np.unravel_index(loss_grid.argmin().item(), loss_grid.shape)
grid_best_w, grid_best_b = W[row, col].item(), B[row, col].item()
grid_step = (w_limits[1] - w_limits[0]) / (grid_size - 1)
print(f"lowest grid point: w = {grid_best_w:.2f}, b = {grid_best_b:.2f}")
print(f"highest grid point: loss {loss_grid.max().item():.2f}")
# The grid finds the same bottom as least squares, to within one grid step.
assert abs(grid_best_w - best_w) <= grid_step and abs(grid_best_b - best_b) <= grid_step

# %% contour
levels = np.geomspace(0.02, 12, 12)  # log-spaced: the bowl is flat near the bottom
fig, ax = plt.subplots()
contours = ax.contour(W.numpy(), B.numpy(), loss_grid.numpy(), levels=levels, cmap="viridis")
ax.clabel(contours, levels[::3], fmt="%.2g", fontsize=8)
ax.plot(best_w, best_b, "r*", markersize=14, label="minimum (least squares)")
ax.set_aspect("equal")
ax.set_title("MSE over (w, b): contour map")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.legend(loc="upper right")
plt.show()

# %% surface
stride = 4  # draw every 4th grid line: enough to see the shape, light to render
fig, ax = plt.subplots(subplot_kw={"projection": "3d"})
ax.plot_surface(
    W[::stride, ::stride].numpy(),
    B[::stride, ::stride].numpy(),
    loss_grid[::stride, ::stride].numpy(),
    cmap="viridis",
    linewidth=0,
)
ax.set_title("MSE over (w, b): the same bowl from the side")
ax.set_xlabel("w (slope)")
ax.set_ylabel("b (intercept)")
ax.set_zlabel("MSE")
ax.view_init(elev=25, azim=-60)
plt.show()

# %% shape
# How steep is the bowl in each direction? Step 1 away from the bottom along w, then along b.
rise_along_w = mse(best_w + 1, best_b) - min_loss
rise_along_b = mse(best_w, best_b + 1) - min_loss
steepness_ratio = rise_along_w / rise_along_b
mean_x_squared = (x**2).mean().item()
print(f"loss rise for w + 1: {rise_along_w:.4f}")
print(f"loss rise for b + 1: {rise_along_b:.4f}")
print(f"Result: along w the bowl rises {steepness_ratio:.2f} times as fast as along b")
# The bowl is shallower along w, by exactly the factor mean(x^2) (derived in the post).
assert steepness_ratio < 0.5
torch.testing.assert_close(rise_along_w, mean_x_squared, rtol=1e-4, atol=1e-6)
torch.testing.assert_close(rise_along_b, 1.0, rtol=1e-4, atol=1e-6)
