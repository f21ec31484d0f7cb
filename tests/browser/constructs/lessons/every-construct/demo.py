"""A tiny lesson for the constructs page: one cell draws a figure, one prints a value."""

import matplotlib.pyplot as plt

epochs: list[int] = [0, 1, 2, 3, 4]
learning_rate: float = 0.5

# %% plot
losses: list[float] = [1.0 * (1 - learning_rate) ** epoch for epoch in epochs]
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.plot(epochs, losses, marker="o")
ax.set_title("Loss by epoch")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
fig.tight_layout()
plt.show()

# %% report
final_loss: float = losses[-1]
assert final_loss == 0.0625
print(f"final loss: {final_loss:.4f}")
