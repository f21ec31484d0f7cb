"""A complete training loop for one parameter, with a gradient derived by hand.

The model is y_hat = w * x. The loop repeats four steps: forward (predict),
loss (mean squared error), backward (dL/dw from the formula in the post) and
update (step against the gradient). Everything else is bookkeeping.

Run it with: uv run python training_loop.py
"""

import matplotlib.pyplot as plt
import torch

# Hyperparameters
true_w: float = 3.0  # the slope that generated the data; the loop never sees it
num_points: int = 10  # N, how many (x, y) examples
noise_std: float = 0.5  # standard deviation of the noise added to y
initial_w: float = 0.0  # where the parameter starts
learning_rate: float = 0.05  # eta, the step size
num_epochs: int = 50  # each update uses every point, so one update is one epoch

torch.manual_seed(0)  # the same noise on every run

# %% data
x: torch.Tensor = torch.linspace(-2.0, 2.0, num_points)  # (N,)
y: torch.Tensor = true_w * x + noise_std * torch.randn(num_points)  # (N,)

# For checking only: the loop never sees these.
best_w: float = ((x * y).sum() / (x * x).sum()).item()  # w*
best_loss: float = ((best_w * x - y) ** 2).mean().item()  # L*
curvature: float = 2.0 * (x * x).mean().item()  # lambda = 2 * mean(x^2)
print(f"w* = {best_w:.4f} | L* = {best_loss:.4f} | lambda = {curvature:.4f}")

# %% train
w: torch.Tensor = torch.tensor(initial_w)
losses: list[float] = []  # losses[t] = L(w_t)
w_history: list[float] = [w.item()]  # w_history[t] = w_t, w after t updates

for epoch in range(num_epochs):
    y_pred = w * x  # 1. forward: predict every y from its x
    loss = ((y_pred - y) ** 2).mean()  # 2. loss: mean squared error
    grad_w = (2.0 / num_points) * ((y_pred - y) * x).sum()  # 3. backward: dL/dw, by hand
    losses.append(loss.item())  # bookkeeping: record, and now and then print
    if epoch % 10 == 0:
        print(f"epoch {epoch:2d} | w {w.item():.4f} | loss {loss.item():.4f}")
    w = w - learning_rate * grad_w  # 4. update: a small step against the gradient
    w_history.append(w.item())

final_w: float = w.item()
final_loss: float = ((w * x - y) ** 2).mean().item()
print(f"after {num_epochs} epochs | w {final_w:.4f} | loss {final_loss:.4f}")

# %% shrink
distances: torch.Tensor = best_w - torch.tensor(w_history)  # w* - w_t
step_factor: float = 1.0 - learning_rate * curvature  # 1 - eta * lambda
for t in [0, 10, 11]:
    print(f"after {t:2d} updates | w* - w = {distances[t].item():.3f}")
print(f"factor: predicted {step_factor:.4f} | measured {(distances[11] / distances[10]).item():.4f}")

# %% plot_loss
# L - L*, the loss above its floor, recomputed from each w_t in float64 (about 16 digits).
# Near the floor the gap is under a millionth of L ~ 0.3: float32 (about 7 digits) would round it.
x64: torch.Tensor = x.double()  # (N,)
y64: torch.Tensor = y.double()  # (N,)
best_w64: torch.Tensor = (x64 * y64).sum() / (x64 * x64).sum()
best_loss64: torch.Tensor = ((best_w64 * x64 - y64) ** 2).mean()
w_steps: torch.Tensor = torch.tensor(w_history[:num_epochs], dtype=torch.float64)  # (T,) w_t
gaps: torch.Tensor = ((w_steps[:, None] * x64 - y64) ** 2).mean(dim=1) - best_loss64  # (T,)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(range(num_epochs), losses, marker=".", label="loss L")
left.axhline(best_loss, color="gray", linestyle="--", label="floor L*")
left.set_title("The loss falls fast, then flattens")
left.set_xlabel("epoch")
left.set_ylabel("mean squared error")
left.legend()
right.semilogy(range(num_epochs), gaps.tolist(), marker=".")
right.set_title("L - L* on a log axis: a straight line")
right.set_xlabel("epoch")
right.set_ylabel("L - L* (log scale)")
fig.tight_layout()
plt.show()

# %% plot_w
fig, ax = plt.subplots()
ax.plot(range(num_epochs + 1), w_history, marker=".", label="w during training")
ax.axhline(best_w, color="tab:green", linestyle="--", label=f"w* = {best_w:.4f} (best for this data)")
ax.axhline(true_w, color="gray", linestyle=":", label=f"true w = {true_w:.0f}")
ax.set_title("w climbs to w*, just below the true slope")
ax.set_xlabel("epoch")
ax.set_ylabel("w")
ax.legend(loc="lower right")
plt.show()

# %% checks
# Every claim the post makes about this run, checked (this cell is not shown in the post).
initial_loss: float = losses[0]
assert all(later < earlier for earlier, later in zip(losses[:-1], losses[1:], strict=True))  # down every epoch
assert initial_loss / final_loss > 40
assert losses[10] - best_loss < 0.05 * (losses[0] - best_loss)  # most of the fall in ten epochs
assert final_loss - best_loss < 1e-5  # on the floor, to four decimals
assert abs(final_w - best_w) < 1e-3  # within a thousandth of w*
assert all(later > earlier for earlier, later in zip(w_history[:-1], w_history[1:], strict=True))
assert max(w_history) < best_w < true_w  # never overshoots; the noise puts w* below 3

# The same factor at every update (the first 30, before float32 rounding shows).
factors: torch.Tensor = distances[1:31] / distances[:30]
torch.testing.assert_close(factors, torch.full((30,), step_factor), atol=1e-4, rtol=0.0)
distance_after_10: float = distances[10].item()
distance_after_11: float = distances[11].item()

# L - L* shrinks by step_factor squared per epoch: a straight line on a log axis.
assert (gaps > 0).all()  # above the floor at every epoch, so a log axis can show it
gap_ratios: torch.Tensor = gaps[1:] / gaps[:-1]  # all 49 steps: float64 keeps the small gaps exact
torch.testing.assert_close(gap_ratios, torch.full((num_epochs - 1,), step_factor**2, dtype=torch.float64), atol=1e-3, rtol=0.0)
gap_factor: float = gap_ratios.mean().item()
gap_orders_per_10: float = -10.0 * torch.log10(torch.tensor(gap_factor)).item()  # powers of ten per 10 epochs
gap_orders_total: float = torch.log10(gaps[0] / gaps[-1]).item()  # powers of ten from epoch 0 to epoch 49
for start in range(0, num_epochs - 10, 10):  # the same drop in every window of 10 epochs
    assert abs(torch.log10(gaps[start] / gaps[start + 10]).item() - gap_orders_per_10) < 0.01
assert round(gap_orders_per_10, 1) == 1.5  # "about 1.5 powers of ten every 10 epochs"
assert gaps[0] > 10.0 and gaps[-1] < 1e-6  # the figure's range, as its caption says
float32_gap: float = losses[-1] - best_loss  # the same gap from the float32 losses
assert abs(float32_gap / gaps[-1].item() - 1.0) > 0.1  # float32 gets it wrong by over 10%: why float64
