"""The same loop at five learning rates: too slow, good, ideal, on the edge, over it.

New in this lesson: nothing in the loop changes except learning_rate. We record w
and b after every epoch and compare them with the best line that exists for this
data (the least-squares solution), to settle two puzzles: why 0.01 looks like it
"does not fit" and why 1.0 fits the slope but leaves the line shifted.
"""

import itertools

import matplotlib.pyplot as plt
import torch

# Hyperparameters and data settings (the same data and start as linear_regression.py)
true_w = 2.0
true_b = -1.0
noise_std = 0.1
N = 100
learning_rates = [0.01, 0.1, 0.5, 1.0, 1.05]  # the only thing this lesson varies
num_epochs = 50

torch.manual_seed(42)

# %% data
x = torch.linspace(-1, 1, N).unsqueeze(1)  # (N, 1)
y = true_w * x + true_b + noise_std * torch.randn(N, 1)  # (N, 1)
start_w = torch.randn(1)  # drawn in the same order as in linear_regression.py,
start_b = torch.randn(1)  # so every run below starts from the same line

# The best line for this data: least squares on the columns [x, 1].
features = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2)
# driver="gels" (QR): the default driver reads uninitialized memory in torch 2.13,
# so its last digits could change from one run to the next (pytorch#187411)
best_w, best_b = torch.linalg.lstsq(features, y, driver="gels").solution.flatten().tolist()
best_loss = ((best_w * x + best_b - y) ** 2).mean().item()  # no line does better
start_w_gap = best_w - start_w.item()  # how far the starting slope is from the best one
print(f"least-squares line: w* = {best_w:.4f}, b* = {best_b:.4f}, loss {best_loss:.4f}")


# %% train
def train(learning_rate: float) -> tuple[list[float], list[float], float]:
    """Run the hand-written loop; return w and b after each epoch (start included) and the final loss."""
    w, b = start_w.clone(), start_b.clone()
    w_history, b_history = [w.item()], [b.item()]
    for epoch in range(num_epochs):
        # forward
        y_pred = w * x + b
        # loss: its value is not needed inside the loop, only its gradient
        error = y_pred - y
        # backward
        grad_w = 2 * (error * x).mean()
        grad_b = 2 * error.mean()
        # update
        w -= learning_rate * grad_w
        b -= learning_rate * grad_b
        w_history.append(w.item())
        b_history.append(b.item())
    final_loss = ((w * x + b - y) ** 2).mean().item()
    return w_history, b_history, final_loss


runs = {}
for learning_rate in learning_rates:
    runs[learning_rate] = train(learning_rate)
    w_history, b_history, final_loss = runs[learning_rate]
    print(f"lr {learning_rate:4.2f} | loss {final_loss:10.4f} | w {w_history[-1]:8.4f} | b {b_history[-1]:8.4f}")

# %% plot_w
epochs = range(num_epochs + 1)
fig, ax = plt.subplots()
for learning_rate in learning_rates:
    ax.plot(epochs, runs[learning_rate][0], label=f"lr = {learning_rate}")
ax.axhline(best_w, color="black", linestyle="--", label="best w*")
ax.set_title("Slope w during training")
ax.set_xlabel("epoch")
ax.set_ylabel("w")
ax.legend()
plt.show()

# %% plot_b
fig, ax = plt.subplots()
for learning_rate in [0.01, 0.1, 0.5]:
    ax.plot(epochs, runs[learning_rate][1], label=f"lr = {learning_rate}")
# lr 1.0 as dots on a thin line, so the two values it jumps between stand out;
# lr 1.05 flies off the chart (see the printout below)
ax.plot(epochs, runs[1.0][1], "o:", markersize=3, linewidth=0.8, color="tab:red", label="lr = 1.0")
ax.axhline(best_b, color="black", linestyle="--", label="best b*")
ax.set_ylim(-1.8, -0.45)
ax.set_title("Intercept b during training")
ax.set_xlabel("epoch")
ax.set_ylabel("b")
ax.legend(loc="lower center", ncol=3)
plt.show()

for learning_rate in [0.5, 1.0, 1.05]:
    assert abs(runs[learning_rate][0][-1] - best_w) < 1e-4  # the slope reached w*
assert abs(runs[0.1][0][-1] - best_w) < 0.05 * start_w_gap  # most of the way at 0.1

# %% too_small
slow_w, slow_b, slow_loss = runs[0.01]
slow_w_gap = abs(slow_w[-1] - best_w)  # how far the slope still is after 50 epochs
slow_w_left = slow_w_gap / abs(slow_w[0] - best_w)  # fraction of the starting gap left
good_loss = runs[0.1][2]
slow_loss_ratio = slow_loss / good_loss
print(f"lr 0.01: w is still {slow_w_gap:.4f} from w*, {slow_w_left:.1%} of the starting gap")
print(f"lr 0.01: loss {slow_loss:.4f}, {slow_loss_ratio:.0f} times the loss at lr 0.1")
assert slow_w_gap > 1.5  # the line is still far off: it has not converged, it has not failed
assert 0.65 < slow_w_left < 0.75
assert slow_loss > 1.0 and slow_loss_ratio > 50
assert all(later > earlier for earlier, later in itertools.pairwise(slow_w))  # still climbing

# %% too_large
edge_w, edge_b, edge_loss = runs[1.0]
edge_w_gap = abs(edge_w[-1] - best_w)
edge_offset = abs(edge_b[0] - best_b)  # d: how far b starts from b*
edge_b_high = max(edge_b[-2:])
edge_b_low = min(edge_b[-2:])
print("lr 1.00: last six values of b:", " ".join(f"{value:.4f}" for value in edge_b[-6:]))
print(f"lr 1.00: b* = {best_b:.4f}, d = {edge_offset:.4f}")
print(f"lr 1.00: b* + d = {best_b + edge_offset:.4f}, b* - d = {best_b - edge_offset:.4f}")
assert edge_w_gap < 1e-4  # the slope has converged ...
assert abs(edge_w[10] - best_w) < 1e-3  # ... within ten epochs
for epoch, b_value in enumerate(edge_b):
    # b - b* flips sign every epoch and keeps its size: +d, -d, +d, ... forever
    torch.testing.assert_close(b_value - best_b, (-1) ** epoch * (edge_b[0] - best_b), rtol=0, atol=1e-4)
torch.testing.assert_close(edge_b[-1], edge_b[0], rtol=0, atol=1e-5)  # after 50 steps b is back where it started
assert edge_b_high - edge_b_low > 0.8  # the two values are far apart: the line is visibly shifted
# the whole excess loss is the shift in b: loss = best loss + d ** 2
torch.testing.assert_close(edge_loss, best_loss + edge_offset**2, rtol=1e-4, atol=0)

over_w, over_b, over_loss = runs[1.05]
over_b_gap = abs(over_b[-1] - best_b)
print(f"lr 1.05: b is {over_b_gap:.1f} from b*, the loss is {over_loss:.1f}")
assert abs(over_w[-1] - best_w) < 1e-4  # the slope is still fine at 1.05 ...
assert over_b_gap > 40 and over_loss > 1000  # ... but b diverges
