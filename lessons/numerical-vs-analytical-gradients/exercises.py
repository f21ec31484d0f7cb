"""Solutions to the exercises of "Numerical vs. Analytical Gradients", one cell each."""

import math
import warnings

import torch

# Hyperparameters
x0 = 1.0  # exercise 1: differentiate sin at this point
num_steps = 161  # exercise 1: step sizes from 1e-16 to 1, 20 per decade
h = 1e-5  # exercise 2: central-difference step in float64

torch.manual_seed(42)


# %% solution_1
# A five-point stencil: its Taylor terms cancel up to h^4, so the error is O(h^4).
def five_point(f, x, h):
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


x = torch.tensor(x0, dtype=torch.float64)
exact = math.cos(x0)
error_big = abs(five_point(torch.sin, x, 1e-1).item() - exact)
error_half = abs(five_point(torch.sin, x, 5e-2).item() - exact)
halving_ratio = error_big / error_half
print(f"halving h divides the five-point error by {halving_ratio:.2f} (2^4 = 16)")
assert abs(halving_ratio - 16) < 0.5

steps = torch.logspace(-16, 0, num_steps, dtype=torch.float64)
errors_five = (five_point(torch.sin, x, steps) - exact).abs()
errors_central = (central(torch.sin, x, steps) - exact).abs()
best_h_five = steps[errors_five.argmin()].item()
eps64 = torch.finfo(torch.float64).eps
print(
    f"five-point: best h {best_h_five:.1e} (eps^(1/5) = {eps64**0.2:.1e}) | "
    f"best error {errors_five.min():.1e}"
)
print(f"central:    best error {errors_central.min():.1e}")
assert abs(math.log10(best_h_five / eps64**0.2)) < 2
assert errors_five.min() < errors_central.min()

# %% solution_2
# Two features, as in exercise 2 of post 1.2: y = X @ w + b + noise.
X = torch.rand(100, 2, dtype=torch.float64) * 2 - 1  # (N, 2)
y = X @ torch.tensor([1.5, -3.0], dtype=torch.float64) + 0.5  # (N,)
y = y + 0.1 * torch.randn(100, dtype=torch.float64)
w = torch.randn(2, dtype=torch.float64)  # (2,)
b = torch.randn(1, dtype=torch.float64)  # (1,)


def loss_fn(params):
    w, b = params[:2], params[2]
    return ((X @ w + b - y) ** 2).mean()


params = torch.cat([w, b])  # (3,)
error = X @ w + b - y  # (N,)
hand = torch.cat([2 * X.T @ error / len(y), 2 * error.mean().reshape(1)])  # (3,)

numerical = torch.zeros(3, dtype=torch.float64)
for i in range(3):
    step = torch.zeros(3, dtype=torch.float64)
    step[i] = h
    numerical[i] = (loss_fn(params + step) - loss_fn(params - step)) / (2 * h)

leaf = params.clone().requires_grad_()
loss_fn(leaf).backward()
print(f"hand      {hand.tolist()}")
print(f"numerical {numerical.tolist()}")
print(f"autograd  {leaf.grad.tolist()}")
torch.testing.assert_close(hand, numerical)
torch.testing.assert_close(hand, leaf.grad)


# %% solution_3
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x  # bug: the power rule gives 3 * x**2


class FixedCube(Cube):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2


inputs = (torch.randn(5, dtype=torch.float64, requires_grad=True),)
cube_passes = torch.autograd.gradcheck(Cube.apply, inputs, raise_exception=False)
fixed_passes = torch.autograd.gradcheck(FixedCube.apply, inputs, raise_exception=False)
print(f"gradcheck: Cube {cube_passes} | FixedCube {fixed_passes}")
assert not cube_passes
assert fixed_passes


# %% solution_4
# gradcheck's default step (1e-6) suits float64. For float32, take the sweet spot of
# the central difference instead: eps32 ** (1/3).
eps32 = torch.finfo(torch.float32).eps
float32_step = eps32 ** (1 / 3)
x64 = torch.randn(5, dtype=torch.float64, requires_grad=True)
x32 = x64.detach().float().requires_grad_()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # we know these inputs are float32
    default_step_32 = torch.autograd.gradcheck(torch.sin, (x32,), raise_exception=False)
    tuned_step_32 = torch.autograd.gradcheck(
        torch.sin, (x32,), eps=float32_step, raise_exception=False
    )
print(f"float32, eps 1e-6:   passes {default_step_32}")
print(f"float32, eps {float32_step:.1e}: passes {tuned_step_32}")
assert not default_step_32 and tuned_step_32

# Headroom: how far below gradcheck's tolerance does each numerical estimate land?
with torch.no_grad():
    error_32 = (central(torch.sin, x32, float32_step) - torch.cos(x32)).abs().max().item()
    error_64 = (central(torch.sin, x64, 1e-6) - torch.cos(x64)).abs().max().item()
# gradcheck accepts an entry when |analytical - numerical| <= atol + rtol * |numerical|
tolerance = (1e-5 + 1e-3 * torch.cos(x64).abs()).min().item()  # default atol and rtol
headroom_32, headroom_64 = tolerance / error_32, tolerance / error_64
print(f"worst numerical error: float32 {error_32:.1e} | float64 {error_64:.1e}")
print(f"tolerance / error:     float32 {headroom_32:.0f} | float64 {headroom_64:.0f}")
assert error_64 < error_32 / 1000
assert headroom_32 < 100 and headroom_64 > 1e6
