"""Solutions to the exercises of the Module 1 recap, one cell per exercise."""

import math

import torch
import torch.nn.functional as F

from parabola import N, mse, train, x, y

# Hyperparameters
class_learning_rate = 0.5  # exercise 1
class_epochs = 100  # exercise 1, full batch
h = 1e-4  # exercise 2: step of the central difference
gap_target = 1e-6  # exercise 3: train until the gap to L* is this fraction of the first


# %% solution_1
# Two overlapping clouds: label 0 around (-1, -1), label 1 around (+1, +1).
labels: torch.Tensor = (torch.arange(N) % 2).float()  # (N,) 0, 1, 0, 1, ...
points: torch.Tensor = torch.randn(N, 2) + (2 * labels - 1).unsqueeze(1)  # (N, 2)


def logistic(points: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """Logits z = points @ w + b; z > 0 means label 1."""
    w, b = params
    return points @ w + b


def bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with p = sigmoid(z); -ln(1 - p) = softplus(z) = ln(1 + e^z), stably."""
    return (F.softplus(logits) - labels * logits).mean()


torch.testing.assert_close(
    bce(points[:, 0], labels), F.binary_cross_entropy_with_logits(points[:, 0], labels)
)
params = [torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)]  # w, b
class_losses = train(logistic, params, bce, points, labels, class_learning_rate, class_epochs, batch_size=N)
with torch.no_grad():
    accuracy = ((logistic(points, params) > 0) == labels.bool()).float().mean().item()
start_loss = math.log(2)  # at w = 0, b = 0: p = 0.5 for every point
final_class_loss = class_losses[-1]
print(f"loss {start_loss:.4f} -> {final_class_loss:.4f} | accuracy {accuracy:.3f}")
assert final_class_loss < 0.5 * start_loss
assert 0.85 < accuracy < 1.0  # good, never perfect: the clouds overlap

# %% solution_2
# The hand-derived gradient (dL/da, dL/dw, dL/db), checked in float64 against
# central differences at a random point.
x64, y64 = x.double(), y.double()
theta: torch.Tensor = torch.randn(3, dtype=torch.float64)  # a random [a, w, b]


def loss64(theta: torch.Tensor) -> float:
    """The parabola's MSE at theta = [a, w, b], in float64."""
    return mse(theta[0] * x64**2 + theta[1] * x64 + theta[2], y64).item()


residual = theta[0] * x64**2 + theta[1] * x64 + theta[2] - y64  # (N,) r_i
by_hand = torch.stack([(2 * residual * x64**2).mean(), (2 * residual * x64).mean(), (2 * residual).mean()])
numerical = torch.zeros(3, dtype=torch.float64)
for j in range(3):
    nudge = torch.zeros(3, dtype=torch.float64)
    nudge[j] = h
    numerical[j] = (loss64(theta + nudge) - loss64(theta - nudge)) / (2 * h)
# Relative error as in post 1.5: the difference over the longer of the two gradients.
referee_error = ((numerical - by_hand).norm() / torch.maximum(numerical.norm(), by_hand.norm())).item()
print(f"relative error {referee_error:.1e}")
assert referee_error < 1e-9


# %% solution_3
def standardise(t: torch.Tensor) -> torch.Tensor:
    """Shift to mean 0 and scale to standard deviation 1."""
    return (t - t.mean()) / t.std()


ones = torch.ones_like(x)
columns: dict[str, torch.Tensor] = {  # (N, 3) each: the same curves, other parameters
    "x^2, x, 1": torch.stack([x**2, x, ones], dim=1),
    "standardised": torch.stack([standardise(x**2), standardise(x), ones], dim=1),
}
kappas: dict[str, float] = {}
epochs_needed: dict[str, int] = {}
for name, phi in columns.items():
    curvatures = torch.linalg.eigvalsh(2 / N * phi.T @ phi)  # ascending
    kappas[name] = (curvatures[-1] / curvatures[0]).item()
    best = torch.linalg.lstsq(phi.double(), y.double().unsqueeze(1), driver="gels").solution
    best_loss = mse(phi.double() @ best.squeeze(1), y.double()).item()  # L*
    params = [torch.zeros((), requires_grad=True) for _ in range(3)]
    gap = start_gap = mse(phi @ torch.stack(params), y).item() - best_loss
    epochs = 0
    while gap > gap_target * start_gap:  # one full-batch epoch at a time
        loss = train(lambda f, p: f @ torch.stack(p), params, mse, phi, y, 1 / curvatures[-1].item(), 1, N)
        gap, epochs = loss[-1] - best_loss, epochs + 1
    epochs_needed[name] = epochs
    print(f"{name:>12} | kappa {kappas[name]:5.2f} | {epochs:2d} epochs to cut the gap a millionfold")
kappa_raw, kappa_std = kappas["x^2, x, 1"], kappas["standardised"]
epochs_raw, epochs_std = epochs_needed["x^2, x, 1"], epochs_needed["standardised"]
assert kappa_std < 2 < 10 < kappa_raw and epochs_raw > 10 * epochs_std
