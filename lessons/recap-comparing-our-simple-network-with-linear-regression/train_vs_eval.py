"""Forgetting model.eval(): with dropout, the measured accuracy changes from call to call.

New here: nothing new in the loop. The network gets a dropout layer (post 2.6), is
trained with the same loop, and is then measured in training mode (the slip) and in
evaluation mode (the fix). train() itself ends in evaluation mode, so the slip is staged
by switching back to training mode.
"""

import torch
from torch import nn

from common import dropout_rate, make_model, num_seeds, train, x_val, y_val

rho = dropout_rate  # the chance that each hidden value (one unit, one example) is zeroed in training
num_calls = 20  # how many times we measure the same trained model


def val_accuracy(model: nn.Module) -> float:
    """Validation accuracy in whatever mode the model is in: no model.eval() here."""
    with torch.no_grad():
        return ((model(x_val) > 0).float() == y_val).float().mean().item()


# %% forgot_eval
model = make_model("dropout", seed=0)  # Linear(2, m), Tanh, Dropout(rho), Linear(m, 1)
train(model, seed=0)  # its record step calls model.eval(), so it returns in evaluation mode
torch.manual_seed(1)  # dropout draws its masks from the global generator

model.train()  # the slip, staged: back in training mode, where a loop without model.eval() stays
forgot: torch.Tensor = torch.tensor([val_accuracy(model) for _ in range(num_calls)])
model.eval()  # the fix: dropout off, every unit on (PyTorch scaled the kept ones by 1/(1 - rho) in training)
fixed: torch.Tensor = torch.tensor([val_accuracy(model) for _ in range(num_calls)])

# %% report

forgot_min, forgot_max, forgot_median = forgot.min().item(), forgot.max().item(), forgot.median().item()
eval_acc = fixed[0].item()
print(f"no model.eval(): {num_calls} calls on the same model -> accuracy {forgot_min:.3f} to {forgot_max:.3f}")
print(f"model.eval():    {num_calls} calls on the same model -> accuracy {eval_acc:.3f} every time")
assert forgot_max - forgot_min > 0.01  # the same model, a different score on every call
assert bool((fixed == eval_acc).all())  # deterministic once dropout is off
assert eval_acc > forgot_median  # and the noisy score is also biased low, for this model ...

# ... and for every one of 20 dropout networks, trained from 20 seeds and measured the same way
eval_above_median = 0
for seed in range(num_seeds):
    other = make_model("dropout", seed=seed)
    train(other, seed=seed)
    torch.manual_seed(1)
    other.train()
    noisy_median = torch.tensor([val_accuracy(other) for _ in range(num_calls)]).median().item()
    other.eval()
    eval_above_median += val_accuracy(other) > noisy_median
print(f"{num_seeds} seeds: model.eval() scores above the median of the noisy calls on {eval_above_median}")
assert eval_above_median == num_seeds
