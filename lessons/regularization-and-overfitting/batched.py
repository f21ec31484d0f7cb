"""Many runs at once: S networks whose parameters are stacked along a first dimension.

Each seed draws its own 16 training points and its own starting weights (those of
make_model(seed=s)). One matrix multiply does all S forward passes, and because the loss
is a sum over runs, each slice of the gradient is exactly what its run would get alone.
"""

import torch
import torch.nn.functional as F

from common import alpha, eval_every, learning_rate, make_model, num_steps, split_data

S: int = 24  # seeds: one run per seed and per method
data: list[tuple[torch.Tensor, ...]] = [split_data(seed) for seed in range(S)]  # one split per seed: (x_train, y_train, x_val, y_val)
x_train, y_train, x_val, y_val = (torch.stack([d[k] for d in data]) for k in range(4))  # (S, n, 1) each


# %% batched
def forward(params: list[torch.Tensor], x: torch.Tensor, dropout_rate: float, training: bool) -> torch.Tensor:
    """All S networks at once; x is (S, n, 1), the result (S, n, 1). Same maths as nn.Linear."""
    W1, b1, W2, b2 = params  # (S, m, 1), (S, m), (S, 1, m), (S, 1)
    a1 = torch.tanh(x @ W1.transpose(1, 2) + b1[:, None, :])  # (S, n, m)
    a1 = F.dropout(a1, dropout_rate, training=training)  # a fresh mask for every run and point
    return a1 @ W2.transpose(1, 2) + b2[:, None, :]  # (S, n, 1)


def per_run_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(S,): the MSE of each run on its own data."""
    return ((prediction - target) ** 2).mean(dim=(1, 2))


def stacked_start(dropout_rate: float) -> list[torch.Tensor]:
    """The starting weights of make_model(seed=s) for s = 0..S-1, stacked run by run."""
    models = [make_model(dropout_rate, seed) for seed in range(S)]
    names = ["0.weight", "0.bias", "3.weight", "3.bias"]  # W1, b1, W2, b2 in nn.Sequential
    return [torch.stack([dict(mdl.named_parameters())[n].detach() for mdl in models]).requires_grad_() for n in names]


# %% check
# Check the batched network against nn.Sequential, forward and gradient, for seed 5.
params = stacked_start(dropout_rate=0.0)
single = make_model(dropout_rate=0.0, seed=5)
torch.testing.assert_close(forward(params, x_val, 0.0, False)[5], single(x_val[5]))
per_run_mse(forward(params, x_train, 0.0, True), y_train).sum().backward()  # sum: each run gets its own gradient
((single(x_train[5]) - y_train[5]) ** 2).mean().backward()
torch.testing.assert_close(params[0].grad[5], single[0].weight.grad)  # type: ignore[index]
print("batched forward and gradient match nn.Sequential")


# %% train
def train_runs(
    dropout_rate: float, weight_decay: float | list[float], steps: int = num_steps
) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Train S runs per weight decay; return L_train and L_val every eval_every steps, (evals, G * S), and the weights.

    A list of G weight decays trains G copies of the S seeds side by side, group by group
    (columns 0..S-1 use the first value, and so on): one loop instead of G.
    """
    decays = [weight_decay] if isinstance(weight_decay, float) else weight_decay
    G = len(decays)
    params = [p.detach().repeat(G, *[1] * (p.dim() - 1)).requires_grad_() for p in stacked_start(dropout_rate)]
    wd = torch.tensor(decays).repeat_interleave(S)  # (G * S,): each run's weight decay
    xt, yt, xv, yv = (t.repeat(G, 1, 1) for t in (x_train, y_train, x_val, y_val))  # (G * S, n, 1)
    optimizer = torch.optim.SGD(params, lr=learning_rate)
    train_curve: list[torch.Tensor] = []  # (G * S,) per measurement
    val_curve: list[torch.Tensor] = []
    for step in range(steps + 1):
        if step % eval_every == 0:
            with torch.no_grad():  # measured in eval mode: training=False, no dropout
                train_curve.append(per_run_mse(forward(params, xt, dropout_rate, False), yt))
                val_curve.append(per_run_mse(forward(params, xv, dropout_rate, False), yv))
        if step == steps:
            break
        loss = per_run_mse(forward(params, xt, dropout_rate, True), yt).sum()
        optimizer.zero_grad()
        loss.backward()
        with torch.no_grad():  # SGD's weight_decay, one value per run: g + wd * theta
            for p in params:
                p.grad.add_(wd.view(-1, *[1] * (p.dim() - 1)) * p)  # type: ignore[union-attr]
        optimizer.step()
    return torch.stack(train_curve), torch.stack(val_curve), params


# %% check_decay
# Check train_runs with weight decay against nn.Sequential and SGD(weight_decay=...), all
# four parameters, for seed 2 after a few hundred steps.
check_steps: int = 300
trained = train_runs(dropout_rate=0.0, weight_decay=[2 * alpha], steps=check_steps)[2]
single = make_model(dropout_rate=0.0, seed=2)
optimizer = torch.optim.SGD(single.parameters(), lr=learning_rate, weight_decay=2 * alpha)
for _ in range(check_steps):
    loss = ((single(x_train[2]) - y_train[2]) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
for p_runs, p_single in zip(trained, single.parameters(), strict=True):
    torch.testing.assert_close(p_runs[2].detach(), p_single.detach().view_as(p_runs[2]), rtol=1e-4, atol=1e-5)
print(f"train_runs with weight decay matches SGD(weight_decay=...) for seed 2 after {check_steps} steps")
