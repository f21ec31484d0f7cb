"""Five activation functions, their derivatives by hand, and autograd's check of them.

New in this lesson: phi'(z) written out for sigmoid, tanh, ReLU, leaky ReLU and GELU,
and compared with what autograd computes.
"""

import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from common import Activation, activations, leaky_slope, sigmoid_saturation_z, tanh_saturation_z


# %% define
def gelu_closed(z: torch.Tensor) -> torch.Tensor:
    """GELU(z) = z * P(a standard normal number is below z) = z/2 * (1 + erf(z / sqrt 2))."""
    return 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))


# phi'(z): the closed forms of the post's table
derivatives: dict[str, Activation] = {
    "sigmoid": lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z)),
    "tanh": lambda z: 1 - torch.tanh(z) ** 2,
    "ReLU": lambda z: (z > 0).to(z.dtype),  # 0 at z = 0 itself, as PyTorch does
    "leaky ReLU": lambda z: torch.where(z > 0, 1.0, leaky_slope).to(z.dtype),
    "GELU": lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2))) + z * torch.exp(-(z**2) / 2) / math.sqrt(2 * math.pi),
}

# %% check
z: torch.Tensor = torch.linspace(-6, 6, 1201, dtype=torch.float64)  # includes z = 0 exactly
torch.testing.assert_close(F.gelu(z), gelu_closed(z))  # PyTorch's GELU is the erf formula
for name, phi in activations.items():
    z_in = z.clone().requires_grad_()
    (autograd_slope,) = torch.autograd.grad(phi(z_in).sum(), z_in)  # d phi(z_i) / d z_i, one per point
    torch.testing.assert_close(autograd_slope, derivatives[name](z))
    print(f"{name:10s}  autograd == closed form on {len(z)} points | "
          f"phi'(0) = {derivatives[name](torch.zeros(1, dtype=torch.float64)).item():.3f} | "
          f"largest phi' = {autograd_slope.max().item():.3f}")

# %% facts
peak_slope: dict[str, float] = {name: derivatives[name](z).max().item() for name in activations}
sigmoid_peak_slope: float = peak_slope["sigmoid"]
gelu_peak_slope: float = peak_slope["GELU"]
gelu_min: float = F.gelu(z).min().item()  # GELU dips below zero before it flattens
assert sigmoid_peak_slope == 0.25 and peak_slope["tanh"] == 1.0  # both at z = 0
assert 1.12 < gelu_peak_slope < 1.13 and -0.18 < gelu_min < -0.16
# Saturation: where phi' has fallen below 10% of its peak. Solve for |z| on the grid.
sigmoid_saturates_at: float = z[(derivatives["sigmoid"](z) < 0.1 * 0.25) & (z > 0)].min().item()
tanh_saturates_at: float = z[(derivatives["tanh"](z) < 0.1) & (z > 0)].min().item()
print(f"phi' < 10% of its peak for |z| > {sigmoid_saturates_at:.2f} (sigmoid), > {tanh_saturates_at:.2f} (tanh)")
assert abs(sigmoid_saturates_at - sigmoid_saturation_z) < 0.01 and abs(tanh_saturates_at - tanh_saturation_z) < 0.01

# %% plot
fig, (ax_phi, ax_slope) = plt.subplots(1, 2, figsize=(11, 4))
z_plot: torch.Tensor = torch.linspace(-4, 4, 401)
for name, phi in activations.items():
    ax_phi.plot(z_plot.numpy(), phi(z_plot).numpy(), label=name)
    ax_slope.plot(z_plot.numpy(), derivatives[name](z_plot).numpy(), label=name)
ax_phi.set_title("The activation phi(z)")
ax_phi.set_xlabel("pre-activation z")
ax_phi.set_ylabel("phi(z)")
ax_phi.set_ylim(-1.5, 4)
ax_phi.legend()
ax_slope.set_title("Its derivative phi'(z), the backward factor")
ax_slope.set_xlabel("pre-activation z")
ax_slope.set_ylabel("phi'(z)")
ax_slope.axhline(0.25, color="gray", linestyle=":", linewidth=1)
ax_slope.legend()
fig.tight_layout()
plt.show()
