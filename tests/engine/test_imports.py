"""The reference's published generators: recognised from their tensors, imported, converted as the reference does."""


import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from engine.imports import PUBLISHED, ImportError_, detect, domains_from_name, import_generator
from engine.modelfile import ModelFileError, load_model, read_metadata
from tests.cli.test_cli_train import cyclegan
from tests.engine.reference_layout import reference_test_mode, resnet, unet, with_legacy_instance_stats


def photo(w, h, seed=0) -> np.ndarray:
    """Smooth, photo-like content (random noise would be a harsher test of nothing)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))


def as_input(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(pixels).permute(2, 0, 1)[None].float() / 127.5 - 1


def to_pixels(y: torch.Tensor) -> np.ndarray:
    return ((y[0].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()


@pytest.mark.parametrize("variant", ["legacy_stats", "data_parallel"])
def test_older_and_data_parallel_files_import_to_the_same_network(tmp_path, variant):
    """Older files keep instance norm's running statistics (the reference drops them); DataParallel adds module."""
    torch.manual_seed(0)
    reference = resnet(ngf=16, blocks=3).eval()
    state = reference.state_dict()
    state = with_legacy_instance_stats(state, reference) if variant == "legacy_stats" else \
        nn.DataParallel(reference).state_dict()
    torch.save(state, tmp_path / "horse2zebra.pth")
    model = load_model(import_generator(tmp_path / "horse2zebra.pth", tmp_path / "h2z.pt"))
    x = as_input(photo(64, 48))
    with torch.no_grad():
        assert (model.generator(x) - reference(x)).abs().max() < 1e-5


@pytest.mark.slow  # 10 s: in make test-slow, for make test's ten minutes
def test_a_published_resnet_converts_exactly_as_the_reference_runs_it(tmp_path):
    """The published architecture (ResNet, 9 blocks, ngf 64, instance norm), saved as the reference saves it,
    imported and converted with the command line."""
    torch.manual_seed(0)
    reference = resnet().eval()
    assert "model.10.conv_block.1.weight" in reference.state_dict()
    path = tmp_path / "style_monet.pth"
    torch.save(reference.state_dict(), path)
    (tmp_path / "monet.pt").write_text("the user's own file")
    refused = cyclegan("import", path, "--out", tmp_path / "monet.pt", check=False)  # it wrote over any file
    assert refused.returncode == 1 and "already exists" in refused.stderr and "(--replace)" in refused.stderr
    assert (tmp_path / "monet.pt").read_text() == "the user's own file"
    cyclegan("import", path, "--out", tmp_path / "monet.pt", "--replace")
    model = load_model(tmp_path / "monet.pt")
    meta = model.metadata
    assert (meta["source_domain"], meta["target_domain"]) == ("photo", "Monet painting")
    assert meta["model"]["blocks"] == 9 and meta["model"]["ngf"] == 64 and meta["source"]["published"] == "style_monet"
    assert len(meta["source"]["sha256"]) == 64

    src = tmp_path / "in"
    src.mkdir()
    images = {"square.png": photo(256, 256), "landscape.png": photo(300, 200, seed=1)}
    for name, pixels in images.items():
        Image.fromarray(pixels).save(src / name)
    cyclegan("convert", "--model", tmp_path / "monet.pt", "--input", src, "--output", tmp_path / "out",
             "--device", "cpu")
    for name, pixels in images.items():
        with torch.no_grad():
            expected = reference(as_input(pixels))
            ours = model.generator(as_input(pixels))
        assert (ours - expected).abs().max() < 1e-4, name
        converted = np.asarray(Image.open(tmp_path / "out" / name)).astype(int)
        assert np.abs(converted - to_pixels(expected).astype(int)).max() <= 1, name  # uint8 rounding at most


def test_a_published_unet_converts_as_the_reference_test_mode_does(tmp_path):
    """pix2pix's U-Net 256 with batch norm: the reference's default test time uses each image's own statistics
    (it never calls eval()); dropout is off here for determinism (the reference keeps it on, so its own
    outputs vary from run to run)."""
    torch.manual_seed(0)
    reference = unet(ngf=16)
    with torch.no_grad():  # trained-looking batch-norm parameters, not the initial ones
        for m in reference.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-1, 1)
    path = tmp_path / "day2night.pth"
    torch.save(reference.state_dict(), path)
    reference_test_mode(reference)
    out = import_generator(path, tmp_path / "d2n.pt", published="day2night_pix2pix")
    model = load_model(out)
    assert model.metadata["method"] == "pix2pix" and model.metadata["model"]["generator"] == "unet_256"
    for w, h in ((256, 256), (300, 200)):
        pixels = photo(w, h)
        with torch.no_grad():
            # the converter pads to the U-Net's 256 px grid by reflection and crops back: the reference on that
            padded = F.pad(as_input(pixels), (0, (-w) % 256, 0, (-h) % 256), mode="reflect")
            expected = reference(padded)[..., :h, :w]
            ours = model.generator(as_input(pixels)) if (w, h) == (256, 256) else None
        from engine.convert import Translator

        converted = Translator(model, "cpu")(torch.from_numpy(pixels).permute(2, 0, 1)[None])[0]
        diff = np.abs(converted.permute(1, 2, 0).numpy().astype(int) - to_pixels(expected).astype(int))
        assert diff.max() <= 1, (w, h, diff.max())
        if ours is not None:
            assert (ours - expected).abs().max() < 1e-4
    # a file saved before PyTorch 0.4.1 has no num_batches_tracked: it was refused, "13 weight(s) missing"
    old = {k: v for k, v in torch.load(path, weights_only=True).items() if not k.endswith("num_batches_tracked")}
    torch.save(old, tmp_path / "old_day2night.pth")
    again = load_model(import_generator(tmp_path / "old_day2night.pth", tmp_path / "old.pt",
                                        published="day2night_pix2pix"))
    x = as_input(photo(256, 256))
    with torch.no_grad():
        assert (again.generator(x) - model.generator(x)).abs().max() < 1e-5


@pytest.mark.parametrize("build, expected", [
    (lambda: resnet(ngf=8, blocks=6), dict(generator="resnet", blocks=6, ngf=8, norm="instance", dropout=False)),
    (lambda: resnet(ngf=8, blocks=2, norm=nn.BatchNorm2d, dropout=True),
     dict(generator="resnet", blocks=2, norm="batch", dropout=True)),
    (lambda: resnet(channels=1, ngf=4, blocks=1), dict(channels=1, ngf=4)),
    (lambda: unet(ngf=8, downs=7), dict(generator="unet_128", ngf=8, norm="batch")),
])
def test_the_architecture_is_read_from_the_tensors(build, expected):
    torch.manual_seed(0)
    cfg = detect(build().state_dict())
    assert {k: getattr(cfg, k) for k in expected} == expected


def test_files_that_are_not_generators_are_explained(tmp_path, model_file):
    cases = {
        "discriminator.pth": nn.Sequential(nn.Conv2d(3, 8, 4), nn.LeakyReLU(), nn.Conv2d(8, 1, 4)).state_dict(),
        "list.pth": [torch.zeros(3)],
        "empty.pth": {},
        "unet5.pth": unet(ngf=4, downs=5).state_dict(),
        "one.pth": {"foo": torch.zeros(1)},  # "1 tensors ... first keys: foo", the file not named (a Models pass)
    }
    messages = {"discriminator.pth": "discriminator.pth holds weights, but not those of a CycleGAN or pix2pix "
                                     r"generator .* \(its 4 weights: 0.weight, 0.bias, 2.weight, 2.bias\)",
                "one.pth": r"one.pth holds weights, .* \(its 1 weight: foo\)$",
                "list.pth": "holds list, not a generator's weights", "empty.pth": "a dict of 0 entries",
                "unet5.pth": "U-Net with 5 levels"}
    for name, content in cases.items():
        torch.save(content, tmp_path / name)
        with pytest.raises(ImportError_, match=messages[name]):
            import_generator(tmp_path / name, tmp_path / "out.pt", "a", "b")
    with pytest.raises(ImportError_, match="already a CycleGAN Studio model file"):
        import_generator(model_file, tmp_path / "out.pt", "a", "b")
    torch.save(resnet(ngf=4, blocks=1).state_dict(), tmp_path / "latest_net_G.pth")
    with pytest.raises(ImportError_, match="cannot tell the domains of latest_net_G.pth"):
        import_generator(tmp_path / "latest_net_G.pth", tmp_path / "out.pt")
    import_generator(tmp_path / "latest_net_G.pth", tmp_path / "out.pt", "sketch", "render")
    assert load_model(tmp_path / "out.pt").name == "sketch to render"
    (tmp_path / "junk.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}")  # the parser's
    with pytest.raises(ImportError_, match=r"^junk.safetensors is not a readable safetensors file: damaged, cut "
                                           r"short, or another kind of file named .safetensors \(the reader said: "):
        import_generator(tmp_path / "junk.safetensors", tmp_path / "out2.pt", "a", "b")  # words alone, before
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    # read as a model file, the same words, not "(Error while deserializing header: header too small)" (a CLI pass)
    with pytest.raises(ModelFileError, match=r"^junk.safetensors is not a readable safetensors file: damaged, cut "):
        read_metadata(tmp_path / "junk.safetensors")
    (tmp_path / "zero.safetensors").write_bytes(b"")
    for read in (read_metadata, lambda path: import_generator(path, tmp_path / "out3.pt", "a", "b")):
        with pytest.raises((ModelFileError, ImportError_), match=r"^zero.safetensors is empty \(0 bytes\)"):
            read(tmp_path / "zero.safetensors")


def test_names_and_the_published_list():
    assert domains_from_name("horse2zebra") == ("horse", "zebra")
    assert domains_from_name("style_monet") is None
    assert len(PUBLISHED) == 23
    assert PUBLISHED["style_monet"].url == "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/style_monet.pth"
    assert PUBLISHED["sat2map_pix2pix"].url == "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/sat2map.pth"


def test_safetensors_both_ways(tmp_path, tiny_dataset):
    from safetensors.torch import save_file

    from engine import Trainer
    from engine.cli import main
    from tests.conftest import tiny_config

    torch.manual_seed(0)
    save_file(resnet(ngf=4, blocks=1).state_dict(), str(tmp_path / "cat2dog.safetensors"))
    imported = load_model(import_generator(tmp_path / "cat2dog.safetensors", tmp_path / "c2d.pt"))
    assert imported.name == "cat to dog"

    Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)).run()
    assert main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "m.pt"), "--safetensors",
                 str(tmp_path / "m.safetensors")]) == 0
    ours, again = load_model(tmp_path / "m.pt"), load_model(tmp_path / "m.safetensors")
    assert again.metadata == ours.metadata
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    assert torch.equal(again.generator(x), ours.generator(x))
    # imported back, into the library and to a file: it was copied byte for byte under a .pt name, which then did
    # not load ("not a readable model file") and kept the name taken; with --out it asked for the domains
    from engine.library import Library

    library = Library(tmp_path / "home")
    into_library = load_model(library.import_model(tmp_path / "m.safetensors", "mine"))
    assert main(["import", str(tmp_path / "m.safetensors"), "--out", str(tmp_path / "back.pt")]) == 0
    for loaded in (into_library, load_model(tmp_path / "back.pt")):  # and the fingerprint of the file it came from
        assert {k: v for k, v in loaded.metadata.items() if k != "source"} == ours.metadata
        assert set(loaded.metadata["source"]) == {"sha256"} and torch.equal(loaded.generator(x), ours.generator(x))
    renamed = load_model(library.import_model(tmp_path / "m.pt", "renamed", name_a="day", name_b="night"))
    assert renamed.name == "day to night"  # --a and --b given for one of ours: they rename its sides


def test_a_pix2pix_file_named_like_a_cyclegan_one_is_told_apart_by_its_network(tmp_path):
    """sat2map, map2sat and facades_label2photo are published for both methods: a U-Net named sat2map.pth was
    described as the CycleGAN model (metadata method "cyclegan")."""
    torch.save(unet(ngf=4).state_dict(), tmp_path / "sat2map.pth")
    meta = load_model(import_generator(tmp_path / "sat2map.pth", tmp_path / "u.pt")).metadata
    assert meta["method"] == "pix2pix" and meta["source"]["published"] == "sat2map_pix2pix"
    torch.save(resnet(ngf=4, blocks=9).state_dict(), tmp_path / "map2sat.pth")
    meta = load_model(import_generator(tmp_path / "map2sat.pth", tmp_path / "r.pt")).metadata
    assert meta["method"] == "cyclegan" and meta["source"]["published"] == "map2sat"
    # of another depth than the published one, a file of its name is not said to be it (it was: a models pass)
    torch.save(resnet(ngf=4, blocks=2).state_dict(), tmp_path / "horse2zebra.pth")
    meta = load_model(import_generator(tmp_path / "horse2zebra.pth", tmp_path / "h.pt")).metadata
    assert meta["source"]["published"] is None and (meta["source_domain"], meta["target_domain"]) == ("horse", "zebra")


def test_importing_a_model_file_of_an_earlier_version_says_what_it_wrote(tmp_path):
    """The demo model's metadata predates its generator's name: import wrote the file, then failed on printing
    it (KeyError: 'generator', exit 1), and a second try was refused as a duplicate (a hostile CLI pass)."""
    from engine.resources import demo_model_path
    from tests.cli.test_cli_train import cyclegan

    proc = cyclegan("import", demo_model_path(), "--out", tmp_path / "gh.pt", check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {tmp_path / 'gh.pt'} (") and ", resnet, cyclegan)" in proc.stdout


def test_a_half_export_writes_its_safetensors_copy_in_half_too(tiny_dataset, tmp_path):
    """--half stored fp16 in the .pt and fp32 in the .safetensors written beside it (a hostile CLI pass)."""
    from safetensors import safe_open

    from engine import Trainer
    from engine.cli import main
    from tests.conftest import tiny_config

    Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)).run()
    assert main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "m.pt"), "--half",
                 "--safetensors", str(tmp_path / "m.safetensors")]) == 0
    with safe_open(str(tmp_path / "m.safetensors"), framework="pt") as fh:
        dtypes = {fh.get_tensor(key).dtype for key in fh.keys()}
    assert torch.float16 in dtypes and torch.float32 not in dtypes


@pytest.mark.slow  # 3 s: in make test-slow, for make test's ten minutes
def test_a_torchscript_export_prints_only_what_it_wrote(tiny_dataset, tmp_path):
    """Three multi-line Python warnings (the tracer's, torch.jit.save's deprecation) came before "wrote"."""
    import subprocess
    import sys

    from engine import Trainer
    from tests.conftest import tiny_config

    Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)).run()
    proc = subprocess.run([sys.executable, "-m", "engine", "export", "--run", str(tmp_path / "run"), "--out",
                           str(tmp_path / "m.pt"), "--torchscript", str(tmp_path / "m.ts")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Warning" not in proc.stderr, proc.stderr


def test_an_export_onto_a_read_only_disk_says_so(tiny_dataset, tmp_path, capsys):
    """The refusal ("… is not writable") was replaced by "OSError: [Errno 30] Read-only file system": the cleanup's
    unlink of a file never written raises EROFS there (a models pass)."""
    from engine import Trainer
    from engine.cli import main
    from tests.conftest import read_only, small_tmpfs, tiny_config

    Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)).run()
    with small_tmpfs(tmp_path / "card", "1m") as card, read_only(card):
        assert main(["export", "--run", str(tmp_path / "run"), "--out", str(card / "m.pt")]) == 1
    assert capsys.readouterr().err.strip() == (f"cyclegan export: error: cannot write {card / 'm.pt'}: {card} is not "
                                               "writable")


def test_an_upper_case_safetensors_file_is_read_as_one(tmp_path):
    """X.SAFETENSORS, as Windows and download tools name files, was "not a PyTorch file" (a models pass)."""
    from engine.imports import import_model_file
    from engine.modelfile import save_model
    from tests.conftest import make_model_file

    loaded = load_model(make_model_file(tmp_path / "m.pt"))
    ours = save_model(tmp_path / "OURS.SAFETENSORS", loaded.generator, loaded.metadata)
    assert load_model(ours).metadata["source_domain"] == "horse"
    torch.save(resnet(ngf=4, blocks=2).state_dict(), tmp_path / "x.pth")
    from safetensors.torch import save_file

    save_file(torch.load(tmp_path / "x.pth"), str(tmp_path / "Apple2Orange.SAFETENSORS"))
    meta = load_model(import_model_file(tmp_path / "Apple2Orange.SAFETENSORS", tmp_path / "a.pt")).metadata
    assert (meta["source_domain"], meta["target_domain"]) == ("Apple", "Orange")


def test_import_of_a_run_folder_or_the_demo_says_what_to_do_or_copies_what_it_names(tiny_dataset, tmp_path):
    """A run folder passed the check and failed at the copy ("is a directory"); "demo" and a library model's name
    were read, then "no such file or directory" (a models pass)."""
    from engine import Trainer
    from engine.imports import import_model_file
    from tests.conftest import tiny_config

    Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)).run()
    with pytest.raises(ImportError_, match="is a run folder: a run is exported"):
        import_model_file(tmp_path / "run", tmp_path / "r.pt")
    assert not (tmp_path / "r.pt").exists()
    copied = import_model_file("demo", tmp_path / "d.pt")
    assert load_model(copied).metadata == load_model("demo").metadata


def test_a_file_of_an_unusable_network_is_refused_before_its_domains_are_asked_for(tmp_path):
    """A generator of 300 filters named latest_net_G.pth: the app asked what it translates, then refused it (a models
    pass)."""
    torch.save(resnet(ngf=300, blocks=1).state_dict(), tmp_path / "latest_net_G.pth")
    with pytest.raises(ImportError_, match="latest_net_G.pth has an unusable architecture: ngf must be between"):
        import_generator(tmp_path / "latest_net_G.pth", tmp_path / "x.pt")  # not "cannot tell the domains"


@pytest.mark.slow  # 6 s of ONNX export for a quiet console: in make test-slow, for make test's ten minutes
def test_an_onnx_export_prints_only_what_it_wrote(tmp_path, capfd):
    """Eight "[torch.onnx] …" progress lines and a UserWarning about dynamic_axes came before "wrote" (a models
    pass)."""
    import warnings

    from engine.modelfile import export_onnx
    from tests.conftest import make_model_file

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        export_onnx(load_model(make_model_file(tmp_path / "m.pt")), tmp_path / "m.onnx", size=32)
    printed = capfd.readouterr()
    assert printed.out == "" and printed.err == ""
    assert not [w for w in seen if w.category is UserWarning and "dynamic_axes" in str(w.message)]
