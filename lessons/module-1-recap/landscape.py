"""The bowl sets the learning rate: curvature, condition number, four rates.

New here: the Hessian of the parabola problem, its eigenvalues lambda_min and
lambda_max, and kappa = lambda_max / lambda_min. Four learning rates are run
with train() around the limit 2 / lambda_max: one crawls, one converges, one
bounces, one diverges.
"""

import matplotlib.pyplot as plt
import torch

from parabola import N, initial, mse, quadratic, train, x, y

# Hyperparameters
lr_crawl, lr_good, lr_bounce, lr_diverge = 0.02, 0.5, 0.85, 0.95  # around the limit below
learning_rates: dict[str, float] = {
    "crawls": lr_crawl,
    "good": lr_good,
    "bounces": lr_bounce,
    "diverges": lr_diverge,
}
num_epochs = 100  # full-batch epochs (one update each) for every rate

# %% hessian
phi = torch.stack([x**2, x, torch.ones_like(x)], dim=1)  # (N, 3), rows (x^2, x, 1)
hessian = 2 / N * phi.T @ phi  # (3, 3), the same everywhere
torch.testing.assert_close(
    hessian, torch.autograd.functional.hessian(lambda p: mse(quadratic(x, list(p)), y), initial)
)
eigenvalues: list[float] = torch.linalg.eigvalsh(hessian).tolist()  # ascending
lambda_min, lambda_max = eigenvalues[0], eigenvalues[-1]
kappa = lambda_max / lambda_min
lr_limit = 2 / lambda_max
print(f"curvatures: {[round(v, 4) for v in eigenvalues]} | kappa = {kappa:.1f} | limit {lr_limit:.4f}")
assert lr_bounce < lr_limit < lr_diverge

# %% sweep
losses: dict[str, list[float]] = {name: [] for name in learning_rates}
b_history: dict[str, list[float]] = {name: [initial[2].item()] for name in learning_rates}
for name, learning_rate in learning_rates.items():
    params = [initial[i].clone().requires_grad_() for i in range(3)]
    for _epoch in range(num_epochs):  # one epoch at a time, to watch b move
        losses[name] += train(quadratic, params, mse, x, y, learning_rate, 1, batch_size=N)
        b_history[name].append(params[2].item())

# %% pace
best = torch.linalg.lstsq(phi.double(), y.double().unsqueeze(1), driver="gels").solution.squeeze(1)
best_loss = mse(phi.double() @ best, y.double()).item()  # L*
best_b = best[2].item()  # b*, the best intercept
for name, run in losses.items():
    print(f"{name:>8} | eta {learning_rates[name]:.2f} | loss after {num_epochs} epochs {run[-1]:.3g}")
loss_crawl, loss_diverged = losses["crawls"][-1], losses["diverges"][-1]
assert loss_diverged > 1e6 and loss_crawl > 2 * best_loss  # one exploded, one still far
assert max(losses["good"][-1], losses["bounces"][-1]) - best_loss < 1e-6  # both at L*

# A step multiplies the offset along curvature lambda by 1 - eta * lambda. The largest
# |1 - eta * lambda| (flattest or steepest direction) is slowest; both are equal at lr_best.
lr_best = 2 / (lambda_min + lambda_max)
best_factor = (kappa - 1) / (kappa + 1)  # the smallest worst factor any fixed eta gets
assert lr_good < lr_best < lr_bounce
for eta in torch.linspace(0.01, lr_limit, 200).tolist():  # no fixed eta does better
    assert max(abs(1 - eta * lambda_min), abs(1 - eta * lambda_max)) >= best_factor - 1e-12
for curvature in (lambda_min, lambda_max):  # and lr_best reaches it at both ends
    assert abs(abs(1 - lr_best * curvature) - best_factor) < 1e-12

# The gap to L* shrinks by (1 - eta * lambda)^2 per epoch along each direction;
# after a few epochs only the slowest direction is left: the flattest at 0.5, the
# steepest at 0.85 (above lr_best) and at 0.95. Check the three paces.
gaps = {name: torch.tensor(run, dtype=torch.float64) - best_loss for name, run in losses.items()}


def pace(name: str, first: int, last: int) -> float:
    """The measured factor per epoch by which the gap to L* changed from `first` to `last`."""
    return ((gaps[name][last] / gaps[name][first]) ** (1 / (last - first))).item()


pace_good, pace_good_predicted = pace("good", 20, 40), (1 - lr_good * lambda_min) ** 2
pace_bounce, pace_bounce_predicted = pace("bounces", 20, 40), (1 - lr_bounce * lambda_max) ** 2
flat_pace_bounce = (1 - lr_bounce * lambda_min) ** 2  # the flattest direction, faster here
growth_measured, growth_predicted = pace("diverges", 79, 99), (1 - lr_diverge * lambda_max) ** 2
print(f"gap per epoch at {lr_good}: x{pace_good:.4f}, (1 - eta lambda_min)^2 = {pace_good_predicted:.4f}")
print(
    f"gap per epoch at {lr_bounce}: x{pace_bounce:.4f}, (1 - eta lambda_max)^2 = {pace_bounce_predicted:.4f}"
    f" (flattest: {flat_pace_bounce:.4f})"
)
print(
    f"gap per epoch at {lr_diverge}: x{growth_measured:.4f}, (1 - eta lambda_max)^2 = {growth_predicted:.4f}"
)
assert abs(pace_good - pace_good_predicted) < 1e-3
assert abs(pace_bounce - pace_bounce_predicted) < 1e-3 and flat_pace_bounce < pace_bounce - 0.05
assert abs(growth_measured - growth_predicted) < 1e-2 * growth_predicted


# %% plot_losses
fig, ax = plt.subplots()
for name, run in losses.items():
    ax.plot(range(1, num_epochs + 1), run, label=f"{name} (eta = {learning_rates[name]})")
ax.axhline(best_loss, color="black", linestyle=":", label="L*")
ax.set_yscale("log")
ax.set_ylim(5e-3, 1e4)
ax.set_title(f"Four learning rates; the limit 2/lambda_max is {lr_limit:.3f}")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss (log scale)")
ax.legend()
plt.show()


# %% plot_bounce
def direction_changes(history: list[float]) -> int:
    """How often two consecutive steps move the parameter in opposite directions."""
    steps = torch.tensor(history).diff()
    return int((steps[1:] * steps[:-1] < 0).sum())


num_shown = 25
fig, ax = plt.subplots()
for name in ["good", "bounces"]:
    ax.plot(b_history[name][:num_shown], marker="o", label=f"{name} (eta = {learning_rates[name]})")
ax.axhline(best_b, color="black", linestyle="--", label=f"b* = {best_b:.3f} (least squares)")
ax.set_title("The intercept b during the first epochs")
ax.set_xlabel("epoch")
ax.set_ylabel("b")
ax.legend()
plt.show()

num_steps = num_shown - 1  # 25 values of b, 24 updates, 23 chances to turn
turns_good = direction_changes(b_history["good"][:num_shown])
turns_bounce = direction_changes(b_history["bounces"][:num_shown])
steep_factor_good = 1 - learning_rates["good"] * lambda_max
steep_factor_bounce = 1 - learning_rates["bounces"] * lambda_max
flat_factor_good = 1 - learning_rates["good"] * lambda_min
print(f"b reverses {turns_good} time (good), {turns_bounce} times (bounces) in its first {num_steps} steps")
print(f"1 - eta * lambda_max: good {steep_factor_good:+.3f}, bounces {steep_factor_bounce:+.3f}")
assert turns_good == 1 and turns_bounce == num_steps - 1  # the bounce turns on every step
assert -0.2 < steep_factor_good < 0 and -1 < steep_factor_bounce < -0.9
# 0.5 is above 1 / lambda_max too, so the steep direction bounces there as well; but with a
# factor near 0 the bounce is gone after one step. Only a factor near -1 keeps it visible.
lr_land = 1 / lambda_max
bounce_left_good = abs(steep_factor_good)  # share of a steep swing left after one step
assert lr_land < lr_good < lr_bounce and bounce_left_good < 0.15

# At 0.5 the oscillation dies at once, but b stays past b* and creeps back at the
# flattest direction's pace, 1 - eta * lambda_min per step.
offset_good = torch.tensor(b_history["good"][:num_shown], dtype=torch.float64) - best_b
b_last_good = b_history["good"][num_steps]
creep_measured = ((offset_good[-1] / offset_good[-11]) ** (1 / 10)).item()
assert (offset_good[1:] > 0).all() and abs(creep_measured - flat_factor_good) < 2e-3
