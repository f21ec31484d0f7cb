"""Solutions to the exercises of post 2.2.

1. The manual backward with tanh in place of ReLU, and what tanh saves.
2. A network with two hidden layers: the backward recursion, one layer further.
"""

from collections.abc import Callable

import torch

N: int = 64  # examples
d: int = 2  # inputs per example
m: int = 8  # hidden units per layer
Params = dict[str, torch.Tensor]
LossFn = Callable[[Params], torch.Tensor]

gen: torch.Generator = torch.Generator().manual_seed(0)
x: torch.Tensor = (4 * torch.rand(N, d, generator=gen) - 2).double()  # (N, d); float64 for the checks
y: torch.Tensor = torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:]  # (N, 1)


def random_params(shapes: dict[str, tuple[int, ...]], seed: int) -> Params:
    """float64 weights scaled by 1/sqrt(fan-in); biases small."""
    g = torch.Generator().manual_seed(seed)
    return {
        k: torch.randn(s, generator=g, dtype=torch.float64) / (s[1] ** 0.5 if len(s) == 2 else 10.0)
        for k, s in shapes.items()
    }


def autograd_gradients(p: Params, loss_fn: LossFn) -> Params:
    """Gradients of loss_fn at p, from loss.backward()."""
    leaves = {k: v.clone().requires_grad_() for k, v in p.items()}
    loss_fn(leaves).backward()
    grads: Params = {}
    for k, v in leaves.items():
        assert v.grad is not None  # set by backward()
        grads[k] = v.grad
    return grads


def check_20_seeds(backward: Callable[[Params], Params], loss_fn: LossFn, shapes: dict[str, tuple[int, ...]]) -> None:
    """A hand-written backward against autograd, in float64 at rtol 1e-12, at 20 random points."""
    for seed in range(20):
        p = random_params(shapes, seed)
        mine, theirs = backward(p), autograd_gradients(p, loss_fn)
        for k in theirs:
            torch.testing.assert_close(mine[k], theirs[k], rtol=1e-12, atol=1e-15)  # shapes too


# %% solution_1
def tanh_loss(p: Params) -> torch.Tensor:
    a1 = torch.tanh(x @ p["W1"].T + p["b1"])  # (N, m)
    return ((a1 @ p["W2"].T + p["b2"] - y) ** 2).mean()


def tanh_backward(p: Params) -> Params:
    a1 = torch.tanh(x @ p["W1"].T + p["b1"])  # (N, m)
    y_hat = a1 @ p["W2"].T + p["b2"]  # (N, 1)
    delta2 = (2.0 / N) * (y_hat - y)  # (N, 1)
    delta1 = (delta2 @ p["W2"]) * (1 - a1**2)  # (N, m)  tanh'(z_1) = 1 - tanh(z_1)^2 = 1 - a_1^2
    return {"W1": delta1.T @ x, "b1": delta1.sum(0), "W2": delta2.T @ a1, "b2": delta2.sum(0)}


check_20_seeds(tanh_backward, tanh_loss, {"W1": (m, d), "b1": (m,), "W2": (1, m), "b2": (1,)})
print("tanh: hand and autograd agree to 1e-12 at 20 starting points")

# What does tanh save for its backward?
out = torch.tanh(torch.randn(N, m, requires_grad=True))
saved = [a for a in dir(out.grad_fn) if a.startswith("_saved_")]
print(f"{type(out.grad_fn).__name__} saves {saved}")
assert saved == ["_saved_result"] and torch.equal(out.grad_fn._saved_result, out)  # type: ignore[union-attr]  # out has a grad_fn, and _saved_result is a Node attribute mypy does not know


# %% solution_2
def deep_forward(p: Params) -> list[torch.Tensor]:
    """Two hidden layers: returns z1, a1, z2, a2, y_hat (the output layer has no activation)."""
    z1 = x @ p["W1"].T + p["b1"]  # (N, m)
    a1 = torch.relu(z1)
    z2 = a1 @ p["W2"].T + p["b2"]  # (N, m)
    a2 = torch.relu(z2)
    y_hat = a2 @ p["W3"].T + p["b3"]  # (N, 1)
    return [z1, a1, z2, a2, y_hat]


def deep_loss(p: Params) -> torch.Tensor:
    return ((deep_forward(p)[-1] - y) ** 2).mean()


def deep_backward(p: Params) -> Params:
    z1, a1, z2, a2, y_hat = deep_forward(p)
    delta3 = (2.0 / N) * (y_hat - y)  # (N, 1)  dL/dy_hat
    delta2 = (delta3 @ p["W3"]) * (z2 > 0)  # (N, m)  the same rule, one layer further up
    delta1 = (delta2 @ p["W2"]) * (z1 > 0)  # (N, m)  ... and again
    grads: Params = {}
    for k, delta, a_in in [("3", delta3, a2), ("2", delta2, a1), ("1", delta1, x)]:
        grads["W" + k] = delta.T @ a_in  # each layer: its delta times what came into it
        grads["b" + k] = delta.sum(0)
    return grads


shapes: dict[str, tuple[int, ...]] = {"W1": (m, d), "b1": (m,), "W2": (m, m), "b2": (m,), "W3": (1, m), "b3": (1,)}
check_20_seeds(deep_backward, deep_loss, shapes)
print("two hidden layers: hand and autograd agree to 1e-12 at 20 starting points")
