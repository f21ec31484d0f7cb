"""The computational graph of a two-layer network, read straight out of autograd.

New in this lesson: loss.grad_fn is the last node of the graph autograd recorded during the
forward pass, and each node's next_functions lead one step further back. Walking them shows
every operation of the network, what each one saved for the backward pass, and where the
parameters sit. A one-unit network, worked by hand, shows the chain rule along one path.
"""

import matplotlib.pyplot as plt
import torch
from matplotlib.text import Text

# Sizes of the network (small, so that the printout stays readable)
N: int = 64  # examples
d: int = 2  # inputs per example
m: int = 8  # hidden units


def make_data(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A wavy surface: y = sin(2 x_1) + 0.5 x_2 plus a little noise, x uniform in [-2, 2]^2."""
    x = 4 * torch.rand(n, 2, generator=generator) - 2  # (n, 2)
    y = torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y  # y: (n, 1)


gen: torch.Generator = torch.Generator().manual_seed(0)
x, y = make_data(N, gen)

# %% by_hand
# One input, one hidden unit, one output: every tensor is a single number.
x0, y0 = 1.5, 1.0  # one example
w1 = torch.tensor(0.8, requires_grad=True)
b1 = torch.tensor(0.1, requires_grad=True)
w2 = torch.tensor(-0.5, requires_grad=True)
b2 = torch.tensor(0.3, requires_grad=True)

z = w1 * x0 + b1  # forward, one operation per line
a = torch.relu(z)
y_hat = w2 * a + b2
loss = (y_hat - y0) ** 2
loss.backward()
assert w1.grad is not None and w2.grad is not None  # set by backward()

# The chain rule by hand: one local derivative per step back, multiplied along the path.
dL_dyhat: float = 2 * (y_hat.item() - y0)  # from loss = (y_hat - y)^2
dyhat_da: float = w2.item()  # from y_hat = w2 * a + b2
da_dz: float = 1.0 if z.item() > 0 else 0.0  # ReLU's slope: 1 where z > 0, else 0
dz_dw1: float = x0  # from z = w1 * x + b1
grad_w1_by_hand: float = dL_dyhat * dyhat_da * da_dz * dz_dw1
grad_w2_by_hand: float = dL_dyhat * a.item()  # a shorter path: loss <- y_hat <- w2
print(f"forward:  z {z.item():.2f} | a {a.item():.2f} | y_hat {y_hat.item():.2f} | loss {loss.item():.4f}")
print(f"by hand:  dL/dw1 = {dL_dyhat:.2f} * {dyhat_da:.2f} * {da_dz:.0f} * {dz_dw1:.2f} = {grad_w1_by_hand:.4f}")
print(f"by hand:  dL/dw2 = {dL_dyhat:.2f} * {a.item():.2f} = {grad_w2_by_hand:.4f}")
print(f"autograd: dL/dw1 {w1.grad.item():.4f} | dL/dw2 {w2.grad.item():.4f}")
torch.testing.assert_close(w1.grad.item(), grad_w1_by_hand)
torch.testing.assert_close(w2.grad.item(), grad_w2_by_hand)
scalar_z: float = z.item()
at_zero = torch.tensor(0.0, requires_grad=True)
torch.relu(at_zero).backward()
assert at_zero.grad is not None and at_zero.grad.item() == 0.0  # PyTorch's ReLU slope at exactly 0

# %% forward
torch.manual_seed(0)
W1: torch.Tensor = (torch.randn(m, d) / d**0.5).requires_grad_()  # (m, d)
b1v: torch.Tensor = torch.zeros(m, requires_grad=True)  # (m,)
W2: torch.Tensor = (torch.randn(1, m) / m**0.5).requires_grad_()  # (1, m)
b2v: torch.Tensor = torch.zeros(1, requires_grad=True)  # (1,)
# One row per example, so z_1 = W_1 x + b_1 for every row at once is x @ W1.T + b1.
z1 = x @ W1.T + b1v  # (N, m)
a1 = torch.relu(z1)  # (N, m)
y_pred = a1 @ W2.T + b2v  # (N, 1)
loss_net = ((y_pred - y) ** 2).mean()  # MSE, a single number
print(f"loss {loss_net.item():.4f} | loss.grad_fn = {type(loss_net.grad_fn).__name__}")


# %% walk
names: dict[torch.Tensor, str] = {W1: "W1", b1v: "b1", W2: "W2", b2v: "b2"}


def saved_shapes(node: torch.autograd.graph.Node) -> list[tuple[int, ...]]:
    """Shapes of the tensors this node saved during the forward pass for its backward."""
    shapes: list[tuple[int, ...]] = []
    for attr in dir(node):  # PyTorch exposes them as _saved_<name> attributes
        value = getattr(node, attr) if attr.startswith("_saved_") else None
        if isinstance(value, torch.Tensor):
            shapes.append(tuple(value.shape))
    return shapes


def label(node: torch.autograd.graph.Node) -> str:
    """The node's class name; for a parameter's AccumulateGrad, the parameter too."""
    name = type(node).__name__
    variable = getattr(node, "variable", None)  # only AccumulateGrad nodes have one
    if variable is not None:
        return f"{name}\n{names[variable]} {tuple(variable.shape)}"
    return name


# Walk back from the loss; record each node once, with its distance from the loss.
nodes: list[torch.autograd.graph.Node] = []
depth: dict[torch.autograd.graph.Node, int] = {}
edges: list[tuple[torch.autograd.graph.Node, torch.autograd.graph.Node]] = []
stack: list[tuple[torch.autograd.graph.Node, int]] = [(loss_net.grad_fn, 0)]  # type: ignore[list-item]  # loss_net has a grad_fn
while stack:
    node, k = stack.pop()
    if node in depth:
        continue
    depth[node] = k
    nodes.append(node)
    print(f"{'  ' * k}{label(node).replace(chr(10), ': ')}  saves {saved_shapes(node)}")
    for parent, _ in reversed(node.next_functions):  # reversed: keep the printed order
        if parent is not None:  # None: an input that needs no gradient (x, y)
            edges.append((node, parent))
            stack.append((parent, k + 1))

num_nodes: int = len(nodes)
num_leaves: int = sum(getattr(n, "variable", None) is not None for n in nodes)
assert num_leaves == 4  # W1, b1, W2, b2: the only tensors that asked for a gradient
relu_node = next(n for n in nodes if type(n).__name__ == "ReluBackward0")
assert saved_shapes(relu_node) == [(N, m)]  # ReLU keeps its output, one number per unit

# %% draw
# The loss at the top, the parameters below: the forward pass runs upwards, and the
# backward pass follows the red arrows downwards, from each node to the ones it came from.
made: dict[torch.autograd.graph.Node, str] = {  # which tensor of the forward pass each node made
    z1.grad_fn: "makes z1",  # type: ignore[dict-item]  # these tensors all have a grad_fn
    a1.grad_fn: "makes a1",  # type: ignore[dict-item]
    y_pred.grad_fn: "makes y_hat",  # type: ignore[dict-item]
    loss_net.grad_fn: "makes L",  # type: ignore[dict-item]
}
column: dict[torch.autograd.graph.Node, float] = {}
next_leaf_column: list[float] = [0.0]


def place(node: torch.autograd.graph.Node) -> float:
    """Leaves get consecutive columns; every other node sits at the mean column of its inputs."""
    if node not in column:
        parents = [p for p, _ in node.next_functions if p is not None]
        if parents:
            column[node] = sum(place(p) for p in parents) / len(parents)
        else:
            column[node] = next_leaf_column[0]
            next_leaf_column[0] += 1.0
    return column[node]


place(loss_net.grad_fn)  # type: ignore[arg-type]  # loss_net has a grad_fn
max_depth = max(depth.values())
fig, ax = plt.subplots(figsize=(9, 10))
box: dict[torch.autograd.graph.Node, Text] = {}  # the text box of each node
for node in nodes:
    shapes = saved_shapes(node)
    lines = [label(node)]
    if node in made:
        lines.append(made[node])
    if shapes:
        lines.append("saves " + ", ".join(str(s) for s in shapes))
    is_leaf = getattr(node, "variable", None) is not None
    box[node] = ax.text(
        column[node],
        -depth[node],
        "\n".join(lines),
        ha="center",
        va="center",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "lightyellow" if is_leaf else "lightblue"},
    )
for child, parent in edges:  # the gradient flows from child to parent
    ax.annotate(  # patchA/patchB: each arrow starts and ends at the edges of the two boxes
        "",
        xy=(column[parent], -depth[parent]),
        xytext=(column[child], -depth[child]),
        arrowprops={
            "arrowstyle": "->",
            "color": "tab:red",
            "patchA": box[child].get_bbox_patch(),
            "patchB": box[parent].get_bbox_patch(),
            "shrinkA": 2,
            "shrinkB": 2,
        },
    )
ax.set_xlim(-0.6, next_leaf_column[0] - 0.4)
ax.set_ylim(-max_depth - 0.6, 0.6)
ax.set_yticks([-k for k in range(max_depth + 1)], [str(k) for k in range(max_depth + 1)])
ax.set_xticks([])
ax.set_ylabel("steps back from the loss")
ax.set_title(f"The autograd graph of the two-layer network (N = {N}, d = {d}, m = {m})\nblue: operations, yellow: parameters; red arrows: the way the gradient flows")
plt.tight_layout()
plt.show()
