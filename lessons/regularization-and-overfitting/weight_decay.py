"""L2 regularisation two ways: alpha * ||theta||^2 added to the loss by hand, and SGD's
weight_decay. They give the same update, step for step, once the factor 2 is right.
"""

import torch
from torch.func import functional_call, hessian, jacrev

from common import N, alpha, learning_rate, m, make_model, mse, split_data

x_train, y_train, x_val, y_val = split_data(seed=2)
num_check_steps: int = 200


def l2_penalty(model: torch.nn.Module) -> torch.Tensor:
    """alpha times the sum of the squares of every parameter: alpha * ||theta||^2."""
    return alpha * sum((p**2).sum() for p in model.parameters())  # type: ignore[return-value]


# %% same_steps
by_hand = make_model(dropout_rate=0.0, seed=2)
built_in = make_model(dropout_rate=0.0, seed=2)  # the same starting weights
opt_by_hand = torch.optim.SGD(by_hand.parameters(), lr=learning_rate)  # plain SGD
opt_built_in = torch.optim.SGD(built_in.parameters(), lr=learning_rate, weight_decay=2 * alpha)
for _ in range(num_check_steps):
    loss = mse(by_hand(x_train), y_train) + l2_penalty(by_hand)  # L_train + alpha ||theta||^2
    opt_by_hand.zero_grad()
    loss.backward()
    opt_by_hand.step()

    loss = mse(built_in(x_train), y_train)  # L_train only: SGD adds 2 alpha theta to the gradient
    opt_built_in.zero_grad()
    loss.backward()
    opt_built_in.step()

    for p_hand, p_built_in in zip(by_hand.parameters(), built_in.parameters(), strict=True):
        torch.testing.assert_close(p_hand, p_built_in)  # after every single step
print(f"{num_check_steps} steps: every parameter matches after every step")

# %% curvature
# The Hessian of L_train with and without the penalty, over all P parameters at once.
names: list[str] = [name for name, _ in built_in.named_parameters()]
shapes: list[torch.Size] = [p.shape for p in built_in.parameters()]
theta: torch.Tensor = torch.cat([p.detach().flatten() for p in built_in.parameters()])  # (P,): one vector


def predictions_of(theta: torch.Tensor) -> torch.Tensor:
    """The network's N training predictions, (N,), as a function of one flat parameter vector."""
    pieces = torch.split(theta, [s.numel() for s in shapes])
    params = {n: piece.view(s) for n, piece, s in zip(names, pieces, shapes, strict=True)}
    return functional_call(built_in, params, (x_train,))[:, 0]


def loss_of(theta: torch.Tensor, penalty: bool) -> torch.Tensor:
    """L_train (+ alpha ||theta||^2) as a function of one flat vector of all parameters."""
    loss = mse(predictions_of(theta)[:, None], y_train)
    return loss + alpha * (theta**2).sum() if penalty else loss


H_plain: torch.Tensor = hessian(lambda t: loss_of(t, penalty=False))(theta)  # (P, P)
H_l2: torch.Tensor = hessian(lambda t: loss_of(t, penalty=True))(theta)
P: int = theta.numel()
torch.testing.assert_close(H_l2 - H_plain, 2 * alpha * torch.eye(P))  # + 2 alpha on the diagonal
curvatures = torch.linalg.eigvalsh(H_plain)  # (P,) the curvatures lambda, smallest first
torch.testing.assert_close(torch.linalg.eigvalsh(H_l2), curvatures + 2 * alpha)  # all shifted
two_alpha: float = 2 * alpha  # what L2 adds to every curvature
num_flat: int = int((curvatures.abs() < two_alpha).sum())  # directions the data barely shape
largest_curvature: float = curvatures.max().item()
edge_learning_rate: float = 2 / largest_curvature  # the stability limit of post 1.2
print(f"P = {P} parameters | largest curvature {largest_curvature:.1f} | 2 / largest curvature = {edge_learning_rate:.4f}")
print(f"{num_flat} of {P} curvatures are smaller in size than 2 alpha = {2 * alpha}")
assert num_flat > P // 2 and learning_rate < edge_learning_rate
# The part of H without the misses r_i: (2 / N) J^T J, one term per training point.
J = jacrev(predictions_of)(theta)  # (N, P): row i is the gradient of prediction i
gn_rank: int = int(torch.linalg.matrix_rank(2 / N * J.T @ J))  # rank: how many directions it curves
print(f"rank of the part without the misses r_i: {gn_rank} (N = {N} training points, P = {P})")
assert gn_rank <= N
# The gradient of L_train, (2 / N) sum_i r_i * (row i of J), lies in the span of the N rows.
theta_g = theta.clone().requires_grad_()
grad = torch.autograd.grad(loss_of(theta_g, penalty=False), theta_g)[0]  # (P,)
in_span = J.T @ torch.linalg.lstsq(J.T, grad[:, None], driver="gelsd").solution[:, 0]  # its projection onto the rows
outside_ratio: float = ((grad - in_span).norm() / grad.norm()).item()
print(f"gradient norm {grad.norm():.3f}, of which outside the span of the {N} rows: {outside_ratio:.0e}")
assert outside_ratio < 1e-4


# %% quadratic
# Freeze W1, b1 at their start: the loss is then exactly quadratic in (W2, b2), so equation
# (3) and the early-stopping comparison can be checked in closed form (float64 for accuracy).
model = make_model(dropout_rate=0.0, seed=2).double()
with torch.no_grad():
    A = torch.cat([torch.tanh(model[0](x_train.double())), torch.ones(N, 1, dtype=torch.float64)], dim=1)  # (N, m + 1)
    y = y_train.double()[:, 0]  # (N,)
    H_q = 2 / N * A.T @ A  # the Hessian of L_train in (W2, b2): constant
    grad_at_zero = -2 / N * A.T @ y  # L_train's gradient is H_q theta + grad_at_zero
    eye = torch.eye(m + 1, dtype=torch.float64)
    lam, Q = torch.linalg.eigh(H_q)  # curvatures and eigenvectors (columns of Q)
    theta_star = -torch.linalg.pinv(H_q) @ grad_at_zero  # a minimum of L_train (the shortest)
    theta_alpha = torch.linalg.solve(H_q + 2 * alpha * eye, -grad_at_zero)  # minimum of L_train + alpha ||theta||^2
    u_star, u_alpha = Q.T @ theta_star, Q.T @ theta_alpha  # coordinates along the eigenvectors
    torch.testing.assert_close(u_alpha, lam / (lam + 2 * alpha) * u_star)  # equation (3)
    quad_rank: int = int(torch.linalg.matrix_rank(H_q))
    cond_l2: float = torch.linalg.cond(H_q + 2 * alpha * eye).item()
    torch.testing.assert_close(cond_l2, ((lam.max() + 2 * alpha) / (lam.clamp(min=0).min() + 2 * alpha)).item())
    # Early stopping at step t against L2 pulling towards the START theta_0, 2 alpha = 1 / (eta t).
    t_stop: int = 120  # the step where overfit.py finds the lowest L_val
    start = dict(model.named_parameters())
    theta_0 = torch.cat([start["3.weight"][0], start["3.bias"]])  # (m + 1,): W2, b2 at the start
    theta_t = theta_0.clone()
    for _ in range(t_stop):
        theta_t -= learning_rate * (H_q @ theta_t + grad_at_zero)  # gradient descent on the quadratic
    pull = 1 / (learning_rate * t_stop)  # 2 alpha
    to_start = torch.linalg.solve(H_q + pull * eye, -grad_at_zero + pull * theta_0)  # L2 towards theta_0
    to_zero = torch.linalg.solve(H_q + pull * eye, -grad_at_zero)  # L2 towards 0
    dist_start: float = (theta_t - to_start).norm().item()
    dist_zero: float = (theta_t - to_zero).norm().item()
    moved: float = (theta_t - theta_0).norm().item()
    # The curvatures the data give (nonzero), and the directions they leave flat (zero).
    nonzero = lam > 1e-9 * lam.max()
    num_soft: int = int((lam[nonzero] < 2 * alpha).sum())  # nonzero, yet below what L2 adds
    smallest_nonzero: float = lam[nonzero].min().item()
    null = Q[:, ~nonzero]  # (m + 1, m + 1 - rank): the flat directions
    null_drift: float = (null.T @ (theta_t - theta_0)).norm().item()  # gradient descent never moves them
    null_start: float = (null.T @ theta_0).norm().item()  # their random starting values
    null_l2: float = (null.T @ theta_alpha).norm().item()  # the L2 minimum: zero there
print(f"W1, b1 frozen: {m + 1} parameters, Hessian rank {quad_rank}, equation (3) holds")
print(f"condition number: infinite (smallest curvature 0); with L2 {cond_l2:.0f}")
print(f"{num_soft} of the {quad_rank} nonzero curvatures are below 2 alpha (smallest {smallest_nonzero:.0e})")
print(f"flat directions: start {null_start:.2f} | moved by {t_stop} steps {null_drift:.0e} | L2 minimum {null_l2:.0e}")
print(f"step {t_stop} to L2 minimum towards theta_0: {dist_start:.3f} | towards 0: {dist_zero:.3f}")
assert quad_rank <= N and dist_start < 0.25 * moved and dist_start < 0.1 * dist_zero
assert num_soft >= 3 and null_drift < 1e-6 * null_start and null_l2 < 1e-6 * null_start

# %% factor_two tags=["raises-exception"]
# A common slip: weight_decay=alpha. PyTorch's weight_decay is the coefficient in the
# gradient (g + weight_decay * theta), not in the loss, so this is half the L2 of the loss.
by_hand = make_model(dropout_rate=0.0, seed=2)
slip = make_model(dropout_rate=0.0, seed=2)
opt_by_hand = torch.optim.SGD(by_hand.parameters(), lr=learning_rate)
opt_slip = torch.optim.SGD(slip.parameters(), lr=learning_rate, weight_decay=alpha)  # the slip
for model, optimizer, penalty in [(by_hand, opt_by_hand, True), (slip, opt_slip, False)]:
    loss = mse(model(x_train), y_train) + (l2_penalty(model) if penalty else 0.0)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
torch.testing.assert_close(by_hand[0].weight, slip[0].weight)
