"""Solutions to the exercises of "The Role of Activations", one cell per exercise."""

import torch
import torch.nn.functional as F

from common import X, leaky_slope
from dead_relus import broken_accuracy, m, num_seeds, too_large, train

# %% solution_1
# tanh(z) = 2 sigmoid(2z) - 1, so a tanh network can be rewritten as a sigmoid network.
z: torch.Tensor = torch.linspace(-6, 6, 1201, dtype=torch.float64)
torch.testing.assert_close(torch.tanh(z), 2 * torch.sigmoid(2 * z) - 1)

g = torch.Generator().manual_seed(4)
W1, b1 = torch.randn(2, m, generator=g), torch.randn(m, generator=g)
W2, b2 = torch.randn(m, 1, generator=g), torch.randn(1, generator=g)
tanh_net: torch.Tensor = torch.tanh(X @ W1 + b1) @ W2 + b2
# Double the first layer, double the output weights, and move the "-1" into the output bias.
sigmoid_net: torch.Tensor = torch.sigmoid(X @ (2 * W1) + 2 * b1) @ (2 * W2) + (b2 - W2.sum())
torch.testing.assert_close(sigmoid_net, tanh_net)
print("the sigmoid network with weights (2 W1, 2 b1, 2 W2, b2 - sum W2) equals the tanh network")

# Same functions, different training: compare the gradients that reach W1 at the same point.
W1_t = W1.clone().requires_grad_()
(torch.tanh(X @ W1_t + b1) @ W2 + b2).sum().backward()
W1_s = (2 * W1).clone().requires_grad_()
(torch.sigmoid(X @ W1_s + 2 * b1) @ (2 * W2) + (b2 - W2.sum())).sum().backward()
assert W1_t.grad is not None and W1_s.grad is not None  # set by backward()
torch.testing.assert_close(W1_s.grad, W1_t.grad / 2)  # half the gradient, on weights twice as large
print("dL/dW1: the sigmoid version gets half the tanh version's gradient for weights twice the size")

# %% solution_2
# Leaky ReLU at the beginner's learning rate: does it save the units?
leaky_loss, leaky_accuracy, leaky_negative = train(too_large, lambda z: F.leaky_relu(z, leaky_slope))
negative_share: torch.Tensor = leaky_negative[-1].float().mean(dim=1)  # z <= 0 on every example
leaky_negative_median: float = negative_share.median().item()
diverged: int = int((~torch.isfinite(leaky_loss) | (leaky_loss > 10)).sum())
leaky_accuracy_median: float = leaky_accuracy.median().item()
print(f"leaky ReLU at learning rate {too_large}: units negative on every example "
      f"{leaky_negative_median:.0%} [{negative_share.min():.0%}, {negative_share.max():.0%}]"
      f" | accuracy {leaky_accuracy_median:.3f} [{leaky_accuracy.min():.3f}, {leaky_accuracy.max():.3f}]"
      f" | loss above 10 or not finite in {diverged} of {num_seeds} networks")
assert leaky_negative_median > 0.5 and diverged >= 15  # not fixed: the step is still too large
relu_accuracy_median: float = broken_accuracy.median().item()  # plain ReLU, same step (dead_relus.py)
big: torch.Tensor = leaky_loss[leaky_loss > 10]
big_loss_min, big_loss_max = big.min().item(), big.max().item()
print(f"plain ReLU: accuracy {relu_accuracy_median:.3f} [{broken_accuracy.min():.3f}, {broken_accuracy.max():.3f}]"
      f" | the {diverged} large losses are finite: {big_loss_min:.1e} to {big_loss_max:.1e}")
assert leaky_accuracy_median > relu_accuracy_median + 0.1 and torch.isfinite(leaky_loss).all()
