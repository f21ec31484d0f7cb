"""The hand-written loop of post 2.3 against the nn.Module + torch.optim loop, step by step.

Same starting parameters, same batches: after every update the two must hold the same
numbers. Then the classic slip, a loop without optimizer.zero_grad(), fails that check.
"""

import torch
from torch import nn

from common import B, batch_order, batches, learning_rate, make_model, num_epochs, x, y

Params = dict[str, torch.Tensor]  # "W1", "b1", "W2", "b2" -> a plain tensor each
num_epochs_checked = num_epochs  # all 500 steps of a real run, compared one by one


# %% by_hand
def forward(xb: torch.Tensor, p: Params) -> tuple[torch.Tensor, torch.Tensor]:
    """a1 = tanh(W1 x + b1) and the logit z2 = W2 a1 + b2, for a whole batch."""
    a1 = torch.tanh(xb @ p["W1"].T + p["b1"])  # (B, m)
    return a1, a1 @ p["W2"].T + p["b2"]  # (B, m), (B, 1)


def backward(xb: torch.Tensor, yb: torch.Tensor, p: Params, a1: torch.Tensor, z2: torch.Tensor) -> Params:
    """The chain rule, layer 2 first (post 2.3), for the mean cross-entropy of the batch."""
    dz2 = (torch.sigmoid(z2) - yb) / len(xb)  # (B, 1) dL/dz2 = (p_hat - y) / B
    delta1 = (dz2 @ p["W2"]) * (1 - a1**2)  # (B, m) dL/dz1, since tanh' = 1 - tanh^2
    return {"W1": delta1.T @ xb, "b1": delta1.sum(0), "W2": dz2.T @ a1, "b2": dz2.sum(0)}


def step_by_hand(p: Params, idx: torch.Tensor) -> None:
    """One update of the hand-written loop: forward, backward, p -= eta * grad."""
    a1, z2 = forward(x[idx], p)
    grads = backward(x[idx], y[idx], p, a1, z2)
    for name in p:
        p[name] -= learning_rate * grads[name]


# %% lockstep
def lockstep(zero_grad: bool) -> int:
    """Train both versions on the same batches, comparing all parameters after every step."""
    model = make_model("network", seed=0)
    # The same starting numbers, copied out of the module (its parameters come in this order)
    p: Params = {name: t.detach().clone() for name, t in zip(["W1", "b1", "W2", "b2"], model.parameters(), strict=True)}
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = batch_order(seed=0)
    steps = 0
    for _epoch in range(num_epochs_checked):
        for idx in batches(gen):
            step_by_hand(p, idx)
            loss = loss_fn(model(x[idx]), y[idx])
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
            for name, param in zip(p, model.parameters(), strict=True):  # W1, b1, W2, b2
                gap = (param.detach() - p[name]).abs().max().item()
                torch.testing.assert_close(param.detach(), p[name], msg=f"step {steps}, {name}: off by up to {gap:.1e}")
    return steps


steps_checked = lockstep(zero_grad=True)
print(f"{steps_checked} steps of B = {B}: nn.Module + torch.optim.SGD == the hand-written loop, after every step")

# %% forgot_zero_grad tags=["raises-exception"]
# A beginner's version: the same loop without optimizer.zero_grad(). Step 1 still matches
# (.grad starts empty), but from step 2 on each .grad holds the sum of all gradients so far.
lockstep(zero_grad=False)
