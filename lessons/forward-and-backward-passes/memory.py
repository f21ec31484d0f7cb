"""What autograd stores during the forward pass, and how much.

New in this lesson: torch.autograd.graph.saved_tensors_hooks calls a function of ours every
time an operation saves a tensor for its backward. We count those tensors and the memory
they hold, for networks of growing depth and batches of growing size, and under
torch.no_grad(). Then we see the saved tensors freed by backward().
"""

import matplotlib.pyplot as plt
import torch

# Sizes
d: int = 2  # inputs per example
m: int = 64  # hidden units per layer
batch_sizes: list[int] = [1024, 4096, 8192, 16384]
depths: list[int] = [1, 2, 4, 8]  # number of hidden layers; depth 1 is the network of this post
bytes_per_number: int = 4  # float32, what training uses

torch.manual_seed(0)


def make_mlp(depth: int, generator: torch.Generator | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """depth hidden layers of width m, then one output: a list of (W, b) pairs."""
    sizes = [d] + [m] * depth + [1]
    return [
        (
            (torch.randn(n_out, n_in, generator=generator) / n_in**0.5).requires_grad_(),  # (n_out, n_in)
            torch.zeros(n_out, requires_grad=True),  # (n_out,)
        )
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def mlp_loss(layers: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    a = x
    for W, b in layers[:-1]:
        a = torch.relu(a @ W.T + b)  # z_l = a_{l-1} W_l^T + b_l, then a_l = relu(z_l)
    W, b = layers[-1]
    y_hat = a @ W.T + b  # (N, 1)
    return ((y_hat - y) ** 2).mean()


def new_bytes(saved: list[torch.Tensor], existing: list[torch.Tensor]) -> int:
    """Bytes the saved tensors keep alive, each storage once, leaving out the inputs and
    parameters (they exist anyway, graph or not)."""
    existing_ptrs = {t.untyped_storage().data_ptr() for t in existing}
    kept = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in saved}
    return sum(nbytes for ptr, nbytes in kept.items() if ptr not in existing_ptrs)


# %% hooks
def measure(batch_size: int, depth: int, grad_enabled: bool) -> tuple[int, int]:
    """One forward pass; returns (tensors saved, bytes of activations they keep alive)."""
    layers, x, y = make_mlp(depth), torch.randn(batch_size, d), torch.randn(batch_size, 1)
    saved: list[torch.Tensor] = []

    def pack(t: torch.Tensor) -> torch.Tensor:  # called once per tensor an op saves
        saved.append(t)
        return t

    def unpack(t: torch.Tensor) -> torch.Tensor:  # called when backward needs it back
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack), torch.set_grad_enabled(grad_enabled):
        mlp_loss(layers, x, y)
    return len(saved), new_bytes(saved, [x, y] + [p for wb in layers for p in wb])


batch_two_layer: int = 4096
count, extra = measure(batch_two_layer, depth=1, grad_enabled=True)
count_no_grad, extra_no_grad = measure(batch_two_layer, depth=1, grad_enabled=False)
print(f"N = {batch_two_layer}: {count} tensors saved, {extra / 2**20:.2f} MiB of activations")
print(f"under torch.no_grad(): {count_no_grad} tensors saved, {extra_no_grad} bytes")
saved_mib_two_layer: float = extra / 2**20
count_two_layer: int = count
assert count_no_grad == 0 and extra_no_grad == 0

# %% scaling
# Prediction: each hidden layer keeps its activations a_l (N x m numbers) and the square keeps
# y_hat - y (N numbers). Saved tensors: x for the first matmul, a_l for each ReLU, both
# operands of every later matmul (a_l and W^T), y_hat - y: 1 + depth + 2 depth + 1.
table: dict[int, list[int]] = {}  # depth -> bytes of activations, one per batch size
for depth in depths:
    table[depth] = []
    for batch_size in batch_sizes:
        count, extra = measure(batch_size, depth, grad_enabled=True)
        predicted = bytes_per_number * batch_size * (depth * m + 1)
        assert extra == predicted, (depth, batch_size, extra, predicted)
        assert count == 3 * depth + 2  # the number of saved tensors depends on depth only
        assert measure(batch_size, depth, grad_enabled=False) == (0, 0)
        table[depth].append(extra)
    sizes_mib = " | ".join(f"N={n}: {b / 2**20:5.2f} MiB" for n, b in zip(batch_sizes, table[depth], strict=True))
    print(f"depth {depth} ({3 * depth + 2:2d} tensors): {sizes_mib}")
largest_mib: float = table[depths[-1]][-1] / 2**20
largest_depth: int = depths[-1]
largest_batch: int = batch_sizes[-1]
# Doubling the batch doubles the bytes; doubling the depth multiplies them by
# (2 depth m + 1) / (depth m + 1), just under 2 (the N numbers of y_hat - y do not double).
batch_ratios = [  # every pair of batch sizes where one is twice the other, at every depth
    row[j2] / row[j1]
    for row in table.values()
    for j1, n1 in enumerate(batch_sizes)
    for j2, n2 in enumerate(batch_sizes)
    if n2 == 2 * n1
]
depth_ratios = [table[2 * k][j] / table[k][j] for k in depths if 2 * k in table for j in range(len(batch_sizes))]
depth_ratio_min: float = min(depth_ratios)
depth_ratio_max: float = max(depth_ratios)
assert batch_ratios and all(r == 2 for r in batch_ratios) and all(1.98 < r < 2 for r in depth_ratios)
print(f"doubling the batch: x2 exactly; doubling the depth: x{depth_ratio_min:.3f} to x{depth_ratio_max:.3f}")

# %% plot
fig, (ax_n, ax_depth) = plt.subplots(1, 2, figsize=(11, 4.2))
for depth in depths:
    ax_n.plot(batch_sizes, [b / 2**20 for b in table[depth]], "o-", label=f"{depth} hidden layer(s)")
ax_n.plot(batch_sizes, [0] * len(batch_sizes), "k--", label="any depth, under torch.no_grad()")
ax_n.set_xlabel("batch size N")
ax_n.set_ylabel("activations saved for backward (MiB)")
ax_n.set_title("Grows in proportion to the batch size")
ax_n.legend()
for j, batch_size in enumerate(batch_sizes):
    ax_depth.plot(depths, [table[k][j] / 2**20 for k in depths], "o-", label=f"N = {batch_size}")
ax_depth.set_xlabel("number of hidden layers")
ax_depth.set_ylabel("activations saved for backward (MiB)")
ax_depth.set_title(f"... and to the depth (width m = {m})")
ax_depth.legend()
plt.tight_layout()
plt.show()

# %% demo_setup
learning_rate: float = 0.01
demo_seed: int = 1  # both loops below start from this same network
x_demo: torch.Tensor = torch.randn(8, d)
y_demo: torch.Tensor = torch.randn(8, 1)
layers = make_mlp(1, torch.Generator().manual_seed(demo_seed))
params: list[torch.Tensor] = [p for wb in layers for p in wb]
losses_fixed: list[float] = []


def sgd_step(params: list[torch.Tensor]) -> None:
    """The update of post 1.1: a step against the gradient, unrecorded, then clear .grad."""
    with torch.no_grad():
        for p in params:
            assert p.grad is not None  # set by backward()
            p -= learning_rate * p.grad
            p.grad.zero_()


def three_steps(seed: int) -> list[float]:
    """The training loss at each of three steps of the fixed loop below, from make_mlp(1) at seed."""
    demo_layers = make_mlp(1, torch.Generator().manual_seed(seed))
    demo_params = [p for wb in demo_layers for p in wb]
    demo_losses = []
    for _ in range(3):
        demo_loss = mlp_loss(demo_layers, x_demo, y_demo)
        demo_loss.backward()
        sgd_step(demo_params)
        demo_losses.append(demo_loss.item())
    return demo_losses


num_demo_seeds: int = 20
num_falling: int = sum(a > b > c for a, b, c in map(three_steps, range(num_demo_seeds)))
assert num_falling == num_demo_seeds  # at this learning rate the fixed loop trains from every start


# %% fixed
# The fix: the forward pass goes inside the loop, so each step builds a new graph.
for step in range(3):
    loss = mlp_loss(layers, x_demo, y_demo)  # forward and loss: records a new graph
    loss.backward()  # backward: uses that graph's saved tensors, then frees them
    sgd_step(params)  # update
    print(f"step {step}: loss {loss.item():.4f}")  # bookkeeping
    losses_fixed.append(loss.item())
assert losses_fixed[0] > losses_fixed[1] > losses_fixed[2]  # it trains


# %% broken tags=["raises-exception"]
# A beginner's loop: the forward pass written once, before the loop.
layers = make_mlp(1, torch.Generator().manual_seed(demo_seed))  # the same start as the fixed loop
params = [p for wb in layers for p in wb]
loss = mlp_loss(layers, x_demo, y_demo)
for step in range(3):
    loss.backward()  # step 0 works and frees the saved tensors; step 1 finds them gone
    sgd_step(params)
    print(f"step {step}: loss {loss.item():.4f}")
