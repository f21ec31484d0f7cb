"""Inverted dropout by hand, checked against PyTorch's; then why model.eval() matters."""

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from common import learning_rate, m, make_model, mse, num_steps, rho, split_data

x_train, y_train, x_val, y_val = split_data(seed=2)


# %% by_hand
def inverted_dropout(a: torch.Tensor, rate: float) -> torch.Tensor:
    """Zero each entry with probability rate; scale the survivors by 1 / (1 - rate)."""
    keep = torch.empty_like(a).bernoulli_(1 - rate)  # 1 with probability 1 - rate, else 0
    return a * (keep / (1 - rate))


torch.manual_seed(7)
a = torch.rand(4, m)  # (4, m): stand-in hidden activations of 4 examples, between 0 and 1
torch.manual_seed(7)
ours = inverted_dropout(a, rho)
torch.manual_seed(7)  # the same seed: the same random numbers
theirs = F.dropout(a, rho, training=True)
torch.manual_seed(7)
layer = nn.Dropout(rho)  # a new module is in train mode
theirs_layer = layer(a)
torch.testing.assert_close(ours, theirs)  # the same mask and the same scale
torch.testing.assert_close(ours, theirs_layer)
layer.eval()
assert torch.equal(layer(a), a)  # in eval mode, nn.Dropout passes a through untouched
zeroed: float = (ours == 0).float().mean().item()
print(f"same mask and values as F.dropout and nn.Dropout | zeroed: {zeroed:.2f} of the entries")

# %% expectation
# Over 24 seeds: the average of many dropout outputs, divided by the average input.
num_seeds: int = 24
num_draws: int = 2000
ratio_inverted: list[torch.Tensor] = []  # one ratio per seed
ratio_plain: list[torch.Tensor] = []
for seed in range(num_seeds):
    torch.manual_seed(seed)
    draws = inverted_dropout(a.expand(num_draws, 4, m), rho)  # (draws, 4, m)
    ratio_inverted.append(draws.mean() / a.mean())
    ratio_plain.append((draws * (1 - rho)).mean() / a.mean())  # the same masks, no 1 / (1 - rho)
inverted = torch.stack(ratio_inverted)
plain = torch.stack(ratio_plain)
mean_ratio: float = inverted.median().item()
plain_ratio: float = plain.median().item()
print(f"mean output / input, inverted dropout: median {mean_ratio:.4f} [{inverted.min():.4f}, {inverted.max():.4f}]")
print(f"mean output / input, without scaling:  median {plain_ratio:.4f} [{plain.min():.4f}, {plain.max():.4f}]")
assert (inverted - 1).abs().max() < 0.01 and (plain - (1 - rho)).abs().max() < 0.01

# %% train
torch.manual_seed(2)
model = make_model(dropout_rate=rho, seed=2)  # nn.Dropout(rho) between tanh and the last layer
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
model.train()  # dropout on while learning
for _ in range(num_steps):
    loss = mse(model(x_train), y_train)  # a fresh mask at every step
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# %% eval_mode
model.eval()  # dropout off: every unit on, no scaling
with torch.no_grad():
    first, second = model(x_val), model(x_val)
    eval_val: float = mse(first, y_val).item()
assert torch.equal(first, second)  # the same input gives the same prediction, every call
print(f"eval mode: two calls agree exactly | L_val {eval_val:.4f}")

# %% penalty
# Train mode's L_val, averaged over many masks, against the formula of the post:
# eval-mode L_val + rho / (1 - rho) * mean over examples of sum_j W2_j^2 a_j^2.
num_calls: int = 1000
hidden = torch.nn.Sequential(model[0], model[1])  # the layers before dropout: a1 = tanh(W1 x + b1)
last = model[3]
assert isinstance(last, nn.Linear)
W2 = last.weight  # (1, m)
with torch.no_grad():
    a1 = hidden(x_val)  # (N_val, m)
    penalty_term: float = (rho / (1 - rho) * (W2**2 * a1**2).sum(dim=1).mean()).item()
    model.train()
    average_train_mode_val: float = sum(mse(model(x_val), y_val).item() for _ in range(num_calls)) / num_calls
    model.eval()
print(f"train-mode L_val, average of {num_calls} calls: {average_train_mode_val:.4f}")
print(f"eval-mode L_val + penalty: {eval_val:.4f} + {penalty_term:.4f} = {eval_val + penalty_term:.4f}")
torch.testing.assert_close(average_train_mode_val, eval_val + penalty_term, rtol=0.01, atol=0.0)

# %% figure
grid = torch.linspace(-1, 1, 400)[:, None]  # (400, 1)
plt.figure(figsize=(7, 4))
with torch.no_grad():
    model.train()  # the mistake, on purpose: dropout still on
    for k in range(3):
        plt.plot(grid, model(grid), lw=0.7, alpha=0.7, label="train mode, a call" if k == 0 else None)
    model.eval()
    plt.plot(grid, model(grid), color="black", lw=2, label="eval mode")
plt.scatter(x_train, y_train, color="red", zorder=3, s=15, label="training points")
plt.xlabel("x")
plt.ylabel("prediction")
plt.title("The same trained network, asked three times in train mode")
plt.legend(fontsize=8)
plt.show()

# %% forgot_eval tags=["raises-exception"]
model.train()  # the beginner's version: still in train mode after training
with torch.no_grad():
    calls: list[torch.Tensor] = [model(x_val) for _ in range(3)]
    train_mode_vals: list[float] = [mse(c, y_val).item() for c in calls]
print("L_val of three calls in train mode:", ", ".join(f"{v:.4f}" for v in train_mode_vals))
num_forgot_calls: int = len(train_mode_vals)
assert min(train_mode_vals) > eval_val  # each one worse than the eval-mode L_val
torch.testing.assert_close(calls[0], calls[1])  # fails: every call draws a new mask
