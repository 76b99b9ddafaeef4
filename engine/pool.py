"""History of generated images for the discriminators (Shrivastava et al. 2017).

Training D on a mix of the newest fakes and older ones reduces oscillation. With the pool
full, each new image is either returned as is or (with probability 1/2) swapped for a
random stored one, which is returned instead.
"""

from __future__ import annotations

import torch


class ImagePool:
    def __init__(self, size: int = 50, seed: int = 0):
        self.size = size
        self.images: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """Return a batch the same shape as ``images`` drawn from the new images and the pool."""
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
                continue
            if torch.rand((), generator=self.generator).item() > 0.5:
                i = int(torch.randint(0, self.size, (), generator=self.generator))
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.cat(out, 0)

    def state_dict(self) -> dict:
        return {"size": self.size, "images": [t.cpu() for t in self.images],
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        self.size = state["size"]
        self.images = [t.to(device) for t in state["images"]]
        self.generator.set_state(state["generator"])
