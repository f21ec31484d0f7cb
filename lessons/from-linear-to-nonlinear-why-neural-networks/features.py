"""XOR made easy twice: a feature chosen by hand, and two ReLU units set by hand."""

import matplotlib.pyplot as plt
import torch

from common import N, accuracy, cross_entropy, linear, make_xor, mlp, train

x, y = make_xor(N, seed=0)

# %% hand_feature
# Logistic regression again, on three columns instead of two: x1, x2 and the product x1 * x2.
features: torch.Tensor = torch.cat([x, x[:, :1] * x[:, 1:]], dim=1)  # (N, 3)
params = [torch.zeros(3, requires_grad=True), torch.zeros((), requires_grad=True)]
losses = train(linear, params, cross_entropy, features, y, learning_rate=0.5, num_steps=300)
with torch.no_grad():
    feature_accuracy: float = accuracy(linear(features, params), y).item()
feature_loss: float = losses[-1]
w_feature: list[float] = params[0].tolist()
print(f"weights on (x1, x2, x1*x2): {[round(v, 2) for v in w_feature]}")
print(f"training cross-entropy {feature_loss:.4f}, training accuracy {feature_accuracy:.3f}")
assert feature_accuracy == 1.0
assert feature_loss < 0.1
assert abs(w_feature[2]) > 10 * max(abs(w_feature[0]), abs(w_feature[1]))  # it leans on the product

# %% hand_relu
# Two hidden ReLU units, weights set by hand: a1 = (ReLU(x1 + x2), ReLU(-x1 - x2)).
# Their sum is |x1 + x2|: about 2 on the same-sign clouds, about 0 on the others.
W1: torch.Tensor = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])  # (m, 2) with m = 2
b1: torch.Tensor = torch.zeros(2)
W2: torch.Tensor = torch.tensor([[1.0, 1.0]])  # (1, m): add the two units ...
b2: torch.Tensor = torch.tensor([-1.0])  # ... and compare with 1
hand_net: list[torch.Tensor] = [W1, b1, W2, b2]
torch.testing.assert_close(mlp(x, hand_net), (x[:, 0] + x[:, 1]).abs() - 1)  # the same function
hand_accuracy: float = accuracy(mlp(x, hand_net), y).item()
print(f"hand-set ReLU network: training accuracy {hand_accuracy:.3f}")
assert hand_accuracy > 0.95
# Without the ReLU the two units cancel: (x1 + x2) + (-x1 - x2) - 1 = -1 for every input.
torch.testing.assert_close(mlp(x, hand_net, phi=lambda z: z), torch.full((N,), -1.0))

# %% plot
side = torch.linspace(-2.5, 2.5, 201)
g1, g2 = torch.meshgrid(side, side, indexing="xy")
grid: torch.Tensor = torch.stack([g1.flatten(), g2.flatten()], dim=1)  # (201 * 201, 2)
with torch.no_grad():
    surfaces = [
        linear(torch.cat([grid, grid[:, :1] * grid[:, 1:]], dim=1), params),
        mlp(grid, hand_net),
    ]
titles = ["Hand-made feature x1*x2: logistic regression", "Two ReLU units set by hand: |x1 + x2| - 1"]
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, surface, title in zip(axes, surfaces, titles, strict=True):
    ax.contourf(
        g1,
        g2,
        (surface > 0).float().reshape(g1.shape),
        levels=[-0.5, 0.5, 1.5],
        colors=["#c6dbef", "#fcbba1"],
    )
    ax.contour(g1, g2, surface.reshape(g1.shape), levels=[0.0], colors="black")
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=10)
    ax.set_title(title)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
fig.tight_layout()
plt.show()
