"""Export a mixture-of-experts restorer to the TorchScript interface MoWE Studio reads.

Usage: python3 export_torchscript.py OUT.pt

The module below is deliberately small; replace it with your own. What matters is the
signature of forward() and the `patch_size` attribute (docs/torchscript.md).
"""
import sys
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyMoERestorer(nn.Module):
    def __init__(self, patch: int = 8, width: int = 32, experts: int = 4, top_k: int = 2):
        super().__init__()
        self.patch_size = patch
        self.top_k = top_k
        self.embed = nn.Conv2d(3, width, patch, stride=patch)
        self.router = nn.Linear(width, experts)
        self.experts = nn.ModuleList([nn.Linear(width, width) for _ in range(experts)])
        self.tail = nn.ConvTranspose2d(width, 3, patch, stride=patch)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        b, _, h, w = x.shape
        tokens = self.embed(x * 2 - 1).flatten(2).transpose(1, 2)  # [B, N, D]
        logits = self.router(tokens)
        top = logits.topk(self.top_k, dim=-1)
        gates = torch.zeros_like(logits).scatter(-1, top.indices, F.softmax(top.values, -1))
        mixed = torch.zeros_like(tokens)
        for e, expert in enumerate(self.experts):
            mixed = mixed + gates[..., e:e + 1] * expert(tokens)
        grid = mixed.transpose(1, 2).reshape(b, -1, h // self.patch_size, w // self.patch_size)
        restored = torch.clamp(x + 0.1 * self.tail(grid), 0.0, 1.0)
        return restored, [gates]


if __name__ == "__main__":
    model = TinyMoERestorer().eval()
    scripted = torch.jit.script(model)
    scripted.save(sys.argv[1] if len(sys.argv) > 1 else "moe_restorer.pt")
