import pytest
import torch

from engine.config import ModelConfig
from engine.nets import (PatchDiscriminator, ResnetGenerator, build_discriminator, build_generator,
                         count_parameters)


@pytest.mark.parametrize(
    "net, expected",
    [
        (lambda: ResnetGenerator(3, 64, 9, "instance"), 11_378_179),
        (lambda: ResnetGenerator(3, 64, 6, "instance"), 7_837_699),
        (lambda: PatchDiscriminator(3, 64, 3, "instance"), 2_764_737),
        # The Keras CycleGAN write-up's table for 128x128 grayscale input (affine instance norm).
        (lambda: PatchDiscriminator(1, 64, 3, "instance_affine"), 2_764_481),
    ],
    ids=["G-rgb-9", "G-rgb-6", "D-rgb", "D-gray-affine"],
)
def test_parameter_counts_match_the_published_ones(net, expected):
    assert count_parameters(net()) == expected


def test_resize_upsampling_keeps_the_parameter_count():
    assert count_parameters(ResnetGenerator(3, 64, 9, upsample="resize")) == 11_378_179


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("upsample", ["transpose", "resize"])
def test_generator_keeps_shape_and_range(channels, upsample):
    g = ResnetGenerator(channels, ngf=8, blocks=2, upsample=upsample)
    x = torch.rand(2, channels, 36, 52) * 2 - 1
    y = g(x)
    assert y.shape == x.shape
    assert y.min() >= -1 and y.max() <= 1


def test_patchgan_output_is_a_grid_of_70px_patches():
    d = PatchDiscriminator(3, 64, 3)
    assert d(torch.zeros(1, 3, 256, 256)).shape == (1, 1, 30, 30)
    # One output sees a 70x70 window: with 1-pixel padding at each of its five 4x4 convs,
    # output (0, 0) covers input rows/cols -23..46. No normalisation keeps the check local
    # (instance norm's image-wide statistics would leak every pixel into every output).
    d = PatchDiscriminator(3, 8, 3, norm="none").eval()
    x = torch.randn(1, 3, 140, 140)
    y0 = d(x)[0, 0, 0, 0]
    x2 = x.clone()
    x2[..., 47:, :] += 5
    x2[..., :, 47:] += 5
    assert torch.equal(d(x2)[0, 0, 0, 0], y0)
    x3 = x.clone()
    x3[..., 46, 46] += 5
    assert not torch.equal(d(x3)[0, 0, 0, 0], y0)


@pytest.mark.parametrize("init", ["normal", "xavier", "kaiming", "orthogonal"])
def test_initialisations(init):
    torch.manual_seed(0)
    g = build_generator(ModelConfig(blocks=1, ngf=8, init=init))
    conv = g.model[1]
    assert conv.bias.abs().sum() == 0
    if init == "normal":
        assert abs(conv.weight.std().item() - 0.02) < 0.005
    d = build_discriminator(ModelConfig(ndf=8, init=init))
    assert torch.isfinite(d(torch.zeros(1, 3, 32, 32))).all()


def test_residual_generator_starts_from_the_identity():
    """With its last conv at zero the residual generator returns its input (not in the paper; opt-in)."""
    g = ResnetGenerator(3, ngf=8, blocks=1, residual=True)
    last = g.model[-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    x = torch.rand(1, 3, 20, 24) * 1.9 - 0.95
    assert torch.allclose(g(x), x, atol=1e-5)
    assert count_parameters(g) == count_parameters(ResnetGenerator(3, ngf=8, blocks=1))


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_gradients_are_right_in_any_memory_format(affine):
    """nn.InstanceNorm2d on the CPU (torch 2.14.1) returns wrong input gradients for a
    channels_last incoming gradient; ours must match the closed-form gradient either way."""
    from engine.nets import norm_layer

    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 6, dtype=torch.float64)
    g = torch.randn(2, 4, 5, 6, dtype=torch.float64)
    norm = norm_layer("instance_affine" if affine else "instance")(4).double()
    mu, var = x.mean((2, 3), keepdim=True), x.var((2, 3), unbiased=False, keepdim=True)
    inv = (var + norm.eps).rsqrt()
    xh = (x - mu) * inv
    scale = norm.weight.view(1, -1, 1, 1) if affine else 1.0
    gh = g * scale
    expected = inv * (gh - gh.mean((2, 3), keepdim=True) - xh * (gh * xh).mean((2, 3), keepdim=True))
    for x_fmt in (torch.contiguous_format, torch.channels_last):
        for g_fmt in (torch.contiguous_format, torch.channels_last):
            xx = x.clone().contiguous(memory_format=x_fmt).requires_grad_()
            out = norm(xx)
            torch.testing.assert_close(out, xh * scale + (norm.bias.view(1, -1, 1, 1) if affine else 0))
            out.backward(g.contiguous(memory_format=g_fmt))
            torch.testing.assert_close(xx.grad, expected)


def test_residual_generators_are_built_as_the_identity():
    g = build_generator(ModelConfig(blocks=1, ngf=8, residual=True))
    x = torch.rand(1, 3, 16, 20) * 1.9 - 0.95
    assert torch.allclose(g(x), x, atol=1e-5)


def test_spectral_discriminator_has_unit_norm_convs_and_no_other_norm():
    """d_norm="spectral" (Miyato et al. 2018): every conv 1-Lipschitz, no instance norm to hide a
    global change of colour from the critic. Initialisation reaches the weights it is computed from."""
    torch.manual_seed(0)
    d = build_discriminator(ModelConfig(ndf=8, d_layers=2, d_norm="spectral"))
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4
    assert not [m for m in d.modules() if isinstance(m, torch.nn.modules.batchnorm._NormBase)]
    assert abs(convs[1].parametrizations.weight.original.std().item() - 0.02) < 0.005
    for _ in range(30):  # power iteration converges in training mode, one step per forward
        d(torch.randn(1, 3, 32, 32))
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.02)


def test_discriminator_norm_follows_the_generators_unless_set():
    same = build_discriminator(ModelConfig(ndf=8, norm="batch"))
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in same.modules())
    own = build_discriminator(ModelConfig(ndf=8, norm="batch", d_norm="none"))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in own.modules())
    assert count_parameters(own) == count_parameters(PatchDiscriminator(3, 8, 3, "instance"))  # no norm weights


def test_generator_without_normalisation():
    g = build_generator(ModelConfig(blocks=1, ngf=8, norm="none", residual=True))
    assert not [m for m in g.modules() if isinstance(m, torch.nn.modules.batchnorm._NormBase)]
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    assert torch.allclose(g(x), x.clamp(-0.995, 0.995), atol=1e-6)


@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_real_and_fake_share_a_batch_only_where_that_changes_nothing(norm):
    """CycleGAN runs a network's two inputs as one batch (fewer launches): exact with instance norm, but with batch
    norm (norm or d_norm batch, allowed options) real and fake pictures would have shared their statistics."""
    from engine.models.cyclegan import together

    torch.manual_seed(0)
    net = build_discriminator(ModelConfig(ndf=8, d_norm=norm))
    x, y = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64) * 0.5
    shared = together(net, x, y)
    apart = net(x), net(y)
    assert all(torch.allclose(s, a, atol=1e-5) for s, a in zip(shared, apart))
