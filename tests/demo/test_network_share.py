"""network_share's four conversions split a Quick generator's change exactly into its start, its mean shift
and the rest."""

import torch

from benchmarks.network_share import four_ways
from engine.config import ModelConfig
from engine.nets import build_generator


def quick_generator(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    net = build_generator(ModelConfig(blocks=1, ngf=8, norm="none", residual=True, colour="tones", detail=True,
                                      upsample="resize", init="kaiming")).eval()
    with torch.no_grad():
        net.colour.weight.copy_(torch.tensor([[0.9, 0.1, 0.0], [0.0, 1.1, 0.0], [0.1, 0.0, 0.8]]))
        net.detail.gain.copy_(torch.tensor([1.3, 1.1, 1.0]))
    return net


def test_an_untrained_network_adds_nothing_to_its_start():
    net = quick_generator(0)  # its edit starts at zero
    ways = four_ways(net)
    x = torch.rand(1, 3, 37, 42) - 0.5  # sides that are not multiples of 4, inside the edit's clamp
    with torch.no_grad():
        start = ways["start"](x)
        assert start.shape == x.shape and not torch.allclose(start, x, atol=1e-2)
        for name in ("trained", "shift only", "without shift"):
            assert torch.allclose(ways[name](x), start, atol=1e-5), name


def test_shift_and_rest_add_up_to_the_trained_change():
    net = quick_generator(1)
    with torch.no_grad():
        net.model[-1].weight.normal_(0, 0.05)  # a trained edit
        net.model[-1].bias.copy_(torch.tensor([0.2, -0.1, 0.05]))
    ways = four_ways(net)
    x = torch.rand(2, 3, 40, 36) - 0.5
    with torch.no_grad():
        start, trained = ways["start"](x), ways["trained"](x)
        shifted, rest = ways["shift only"](x), ways["without shift"](x)
        assert (trained - start).abs().mean() > 0.02
        assert torch.allclose(shifted + rest, start + trained, atol=1e-5)
        offset = shifted - start  # one colour per picture and channel
        assert torch.allclose(offset, offset[..., :1, :1].expand_as(offset), atol=1e-6)
        assert torch.allclose((rest - start).mean((2, 3)), torch.zeros(2, 3), atol=1e-5)
