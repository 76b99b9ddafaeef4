"""CIEDE2000 against the published test data, and the sRGB to CIELAB conversion it rests on."""

import numpy as np
import pytest

from engine.metrics import ciede2000, delta_e, srgb_to_lab

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data, and mathematical observations", Table 1: L1 a1 b1, L2 a2 b2, dE00.
SHARMA = [
    (50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425),
    (50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615),
    (50.0, 2.8361, -74.0200, 50.0, 0.0, -82.7485, 3.4412),
    (50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0000),
    (50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0000),
    (50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0000),
    (50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669),
    (50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669),
    (50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792),
    (50.0, 2.49, -0.001, 50.0, -2.49, 0.0010, 7.1792),
    (50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195),
    (50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195),
    (50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045),
    (50.0, -0.001, 2.49, 50.0, 0.0010, -2.49, 4.8045),
    (50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461),
    (50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065),
    (50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492),
    (50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977),
    (50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.9030),
    (50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535),
    (50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0000),
    (50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0000),
    (50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0000),
    (50.0, 2.5, 0.0, 50.0, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]


def test_ciede2000_matches_sharmas_34_test_pairs():
    data = np.array(SHARMA)
    got = ciede2000(data[:, :3], data[:, 3:6])
    np.testing.assert_allclose(got, data[:, 6], atol=1e-4)
    np.testing.assert_allclose(ciede2000(data[:, 3:6], data[:, :3]), data[:, 6], atol=1e-4)  # symmetric


@pytest.mark.parametrize("rgb, lab", [((255, 255, 255), (100, 0, 0)), ((0, 0, 0), (0, 0, 0)),
                                      ((255, 0, 0), (53.24, 80.09, 67.20)), ((0, 0, 255), (32.30, 79.19, -107.86))])
def test_srgb_to_lab(rgb, lab):
    np.testing.assert_allclose(srgb_to_lab(np.array(rgb, np.uint8)), lab, atol=0.02)


def test_delta_e_of_images():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert delta_e(image, image) == 0
    warmer = np.clip(image.astype(int) + [12, 0, -12], 0, 255).astype(np.uint8)
    assert 2 < delta_e(image, warmer) < 15


def test_scores_in_bands_of_rows_are_the_scores_of_the_whole(monkeypatch):
    """The metrics are summed band by band (a 12-MP pair scored whole asked for 35 GB): bands of a few rows give the
    scores of one band holding the whole image."""
    from engine import metrics

    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (123, 45, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 40, a.shape), 0, 255).astype(np.uint8)
    whole = (metrics.psnr(a, b), metrics.ssim(a, b), metrics.delta_e(a, b))
    monkeypatch.setattr(metrics, "BAND_PIXELS", 100)  # bands of 2 rows: 57 of them, and one of 1 row
    assert (metrics.psnr(a, b), metrics.ssim(a, b), metrics.delta_e(a, b)) == pytest.approx(whole, rel=1e-12)
    assert whole[1] == pytest.approx(ssim_whole_2d(a, b), rel=1e-12)  # and the formula itself, not the code again


def ssim_whole_2d(output: np.ndarray, truth: np.ndarray) -> float:
    """SSIM as Wang et al. define it, in one piece: the 11x11 Gaussian window (sigma 1.5) as a 2-D kernel."""
    import torch
    import torch.nn.functional as F

    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(x**2) / (2 * 1.5**2))
    window = (g[:, None] * g[None, :] / g.sum() ** 2)[None, None]
    a, b = (torch.from_numpy(v.astype(np.float64)).permute(2, 0, 1)[:, None] for v in (output, truth))
    mu_a, mu_b = F.conv2d(a, window), F.conv2d(b, window)
    var_a, var_b = F.conv2d(a * a, window) - mu_a**2, F.conv2d(b * b, window) - mu_b**2
    cov = F.conv2d(a * b, window) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float((((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))).mean())


def test_scoring_a_photo_takes_little_memory():
    """SSIM unfolded an 11x11 window for each pixel in float64: 2.9 kB a pixel, 35 GB for a 12-MP pair (a command-line
    pass). A 1.5-MP pair is scored here in a fresh process, its peak memory measured."""
    import subprocess
    import sys

    script = (
        "import resource, numpy as np\n"
        "from engine.metrics import delta_e, psnr, ssim\n"
        "a = np.random.default_rng(0).integers(0, 256, (1000, 1500, 3), dtype=np.uint8)\n"
        "b = 255 - a\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "ssim(a, b), psnr(a, b), delta_e(a, b)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    grown_mb = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert grown_mb < 300, f"{grown_mb} MB"
