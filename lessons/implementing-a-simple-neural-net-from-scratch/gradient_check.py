"""Check the hand-written backward of net.py twice: against central differences in float64
(as in post 1.5), and against autograd at every step of a training run.
"""

import torch
import torch.nn.functional as F

from net import Params, backward, bce_with_logits, forward, init_params, m, numerical_gradients, relative_error, train, x, y

# Hyperparameters
h = 1e-6  # central-difference step, near float64's best (eps ** (1/3) is about 6e-6)
learning_rate = 2.0  # as in train.py
num_epochs = 500  # as in train.py
print_epochs: tuple[int, ...] = (0, 1, 10, 100, 499)  # steps whose comparison is printed

torch.manual_seed(0)


# %% numerical
def check(params: Params) -> tuple[float, float]:
    """Hand-written against numerical gradients, in float64. Returns the overall relative
    error and post 1.5's round-off estimate for it: eps * L / h, relative to the gradient."""
    p64 = {name: p.double() for name, p in params.items()}
    x64, y64 = x.double(), y.double()
    _, a1, z2 = forward(x64, p64)
    hand = backward(x64, y64, p64, a1, z2)
    numerical = numerical_gradients(p64, x64, y64, h)
    for name in p64:
        torch.testing.assert_close(hand[name], numerical[name], rtol=1e-6, atol=1e-9)
    print("  relative error " + " | ".join(f"{k} {relative_error(hand[k], numerical[k]):.1e}" for k in p64))
    flat_hand = torch.cat([g.flatten() for g in hand.values()])
    flat_numerical = torch.cat([g.flatten() for g in numerical.values()])
    estimate = torch.finfo(torch.float64).eps * bce_with_logits(z2, y64).item() / h / flat_hand.norm().item()
    return relative_error(flat_hand, flat_numerical), estimate


params: Params = init_params(m)
num_params = sum(p.numel() for p in params.values())  # P
print(f"at initialisation ({num_params} parameters, {2 * num_params} forward passes):")
rel_error_init, estimate_init = check(params)
train(params, learning_rate, num_epochs)
print(f"after {num_epochs} epochs of training:")
rel_error_trained, estimate_trained = check(params)
print(f"overall: {rel_error_init:.1e} at initialisation (round-off estimate {estimate_init:.0e}), "
      f"{rel_error_trained:.1e} trained (estimate {estimate_trained:.0e})")
assert max(rel_error_init, rel_error_trained) < 1e-7
assert estimate_init / 10 < rel_error_init < 10 * estimate_init  # within a factor of ten, both ways
assert estimate_trained / 10 < rel_error_trained < 10 * estimate_trained

# %% step_by_step
torch.manual_seed(0)
params = init_params(m)
twin: Params = {name: p.clone().requires_grad_() for name, p in params.items()}
optimizer = torch.optim.SGD(twin.values(), lr=learning_rate)
worst_gap = 0.0  # the largest gradient difference seen, over all steps and parameters
for epoch in range(num_epochs):
    _, a1, z2 = forward(x, params)  # by hand: forward, backward
    grads = backward(x, y, params, a1, z2)
    optimizer.zero_grad()  # autograd: PyTorch's loss, backward()
    F.binary_cross_entropy_with_logits(forward(x, twin)[2], y).backward()
    gaps: list[float] = []
    for name in params:
        auto_grad = twin[name].grad
        assert auto_grad is not None  # set by backward()
        torch.testing.assert_close(grads[name], auto_grad)
        gaps.append((grads[name] - auto_grad).abs().max().item())
    worst_gap = max(worst_gap, *gaps)
    if epoch in print_epochs:
        print(f"step {epoch:3d} | largest difference {max(gaps):.1e} | size of dL/dW1 {grads['W1'].norm():.1e}")
    for name in params:  # both updates
        params[name] -= learning_rate * grads[name]
    optimizer.step()
for name in params:
    torch.testing.assert_close(params[name], twin[name].detach())
print(f"all 4 gradients agree at all {num_epochs} steps; so do the final parameters")
assert worst_gap < 1e-6
