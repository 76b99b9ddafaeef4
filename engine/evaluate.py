"""Evaluate a model on paired test images: PSNR and SSIM of its outputs against ground truth.

CycleGAN trains on unpaired data, but when a dataset also has pairs (``testA/`` and, under
the same file names, ``testA_truth/``: how each test image should look in domain B), this
tells how close the translation really is, next to the untouched input as a baseline. A
pix2pix dataset's held-out pairs (``test/``, ``val/``, ``testA/`` + ``testB/``) serve the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .convert import Translator
from .data import (CASE_ONLY, SHARED_NAME, Pair, existing_folder, find_pairs, list_images, load_pair, match_by_name,
                   probe_image, unreadable_reason)
from .events import Control, Stopped
from .metrics import SSIM_SMALLEST, delta_e, psnr, ssim
from .modelfile import LoadedModel

TRUTH_SUFFIX = "_truth"


@dataclass
class Evaluation:
    images: list[dict] = field(default_factory=list)  # name, psnr, ssim, delta_e, and the same for the input
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (input's name, why) of pairs not scored
    trained_copies: list[str] = field(default_factory=list)  # scored pairs whose input is a training picture's copy
    grey_truths: list[str] = field(default_factory=list)  # scored pairs whose truth is grey, the output in colour

    def warning(self) -> str:
        """What makes the score mean less than it says, or ""."""
        said = []
        if seen := self.trained_copies:
            said.append(f"{len(seen)} of the {len(self.images)} held-out pair(s) are copies of training pictures "
                        f"({', '.join(seen[:3])}{', …' if len(seen) > 3 else ''}): the score measures what the model "
                        "remembers of them, not how it does on new pictures")
        if grey := self.grey_truths:  # scored unsaid: colour outputs against grey truths, ΔE meaningless
            said.append(f"{len(grey)} of the {len(self.images)} truth(s) are grey ({', '.join(grey[:3])}"
                        f"{', …' if len(grey) > 3 else ''}) where the model's outputs are in colour: the scores "
                        "compare colour with grey")
        return "; ".join(said)


    def mean(self, key: str) -> float:
        return float(np.mean([row[key] for row in self.images])) if self.images else float("nan")

    def summary(self) -> str:
        colour = self.images and "delta_e" in self.images[0]
        out, given = (f"PSNR {self.mean(p + 'psnr'):.2f} dB, SSIM {self.mean(p + 'ssim'):.4f}"
                      + (f", ΔE {self.mean(p + 'delta_e'):.2f}" if colour else "") for p in ("", "input_"))
        skipped = f"; {len(self.skipped)} pair(s) skipped" if self.skipped else ""
        return f"{len(self.images)} image(s): {out} (untouched input: {given}){skipped}"

    def verdict(self) -> str:
        """Which way the scores point, in words: they were given bare, saying neither which way is better nor
        whether the model beat leaving the pictures as they were (a pix2pix pass)."""
        if not self.images:
            return ""
        closer = [self.mean("psnr") > self.mean("input_psnr")]
        if "delta_e" in self.images[0]:
            closer.append(self.mean("delta_e") < self.mean("input_delta_e"))
        how = ("closer to the truth than the untouched input" if all(closer) else
               "further from the truth than the untouched input" if not any(closer) else
               "closer to the truth than the untouched input in PSNR, further in colour (ΔE)" if closer[0] else
               "closer to the truth than the untouched input in colour (ΔE), further in PSNR")
        return how + " (higher PSNR and SSIM, and lower ΔE, are closer)"


def truth_for(test_dir: str | Path) -> Path | None:
    """The ground-truth folder beside a test folder (``testA`` -> ``testA_truth``), if there is one."""
    if not test_dir:
        return None
    truth = Path(test_dir).with_name(Path(test_dir).name + TRUTH_SUFFIX)
    return truth if Path(test_dir).is_dir() and truth.is_dir() else None


def paired_test_folders(root: str | Path, side: str = "A") -> tuple[Path, Path] | None:
    """``(testA, testA_truth)`` under a dataset root, when both exist."""
    test = Path(root) / f"test{side}"
    truth = truth_for(test)
    return (test, truth) if truth else None


def held_out_pairs(root: str | Path, direction: str = "AtoB") -> tuple[list[Pair], bool] | None:
    """Held-out pairs of a dataset and whether B is the input: ``testA/`` + ``testA_truth/`` (a
    CycleGAN dataset with a known answer), else its paired test split (``test/`` or ``val/`` of
    side-by-side images, ``testA/`` + ``testB/`` matched by name)."""
    side = "A" if direction == "AtoB" else "B"
    folders = paired_test_folders(root, side)
    if folders:
        try:
            return pairs_with_truth(*folders)[0], False
        except ValueError:  # none pair: said by held_out_left_out
            return None
    try:
        held_out = find_pairs(root).test
    except (OSError, ValueError):
        held_out = []
    if not held_out and (Path(root) / "testA").is_dir() and (Path(root) / "testB").is_dir():
        # a CycleGAN dataset (train folders that do not pair) whose test folders do: find_pairs wants both paired
        held_out = match_by_name(Path(root) / "testA", Path(root) / "testB")[0]
    return (held_out, direction == "BtoA") if held_out else None


def held_out_left_out(root: str | Path, direction: str = "AtoB") -> list[tuple[str, str]]:
    """The test pictures :func:`held_out_pairs` leaves out, and why: of ``testA/`` + ``testA_truth/``, or the input
    side's of ``testA/`` + ``testB/`` (those were left out unsaid); ValueError saying why where none of the first
    pair."""
    side = "A" if direction == "AtoB" else "B"
    folders = paired_test_folders(root, side)
    if folders:
        return pairs_with_truth(*folders)[1]
    root = Path(root)
    if not (root / "train").is_dir() and (root / "testA").is_dir() and (root / "testB").is_dir():  # as find_pairs
        return inputs_left_out(match_by_name(root / "testA", root / "testB")[1], side,
                               root / f"test{OTHER_SIDE[side]}")
    return []


OTHER_SIDE = {"A": "B", "B": "A"}


def inputs_left_out(unmatched: list[str], input_side: str, truth: str | Path) -> list[tuple[str, str]]:
    """(name, why) for each input that :func:`engine.data.match_by_name` left without a truth (``unmatched``, inputs
    on ``input_side``), each once and named as in its folder: an input whose name two truths share was counted
    once a truth, under the truths' names."""
    mine, theirs = f"{input_side}/", f"{OTHER_SIDE[input_side]}/"
    shared_truths: dict[str, list[str]] = {}
    for entry in unmatched:
        if entry.startswith(theirs) and entry.endswith(SHARED_NAME):
            name = Path(entry[2:].removesuffix(SHARED_NAME))
            shared_truths.setdefault(str(name.with_suffix("")), []).append(name.name)
    left_out = []
    for entry in unmatched:
        if not entry.startswith(mine):
            continue
        name = entry[2:].removesuffix(SHARED_NAME).removesuffix(CASE_ONLY)
        if entry.endswith(CASE_ONLY):
            why = f"no ground truth of its name in {truth}, only one of its name in other letter case"
        elif entry.endswith(SHARED_NAME):
            why = "its name, extension aside, is another input's too: which to pair is not known"
        elif (truths := shared_truths.get(str(Path(name).with_suffix("")))) is not None:
            why = f"{' and '.join(sorted(truths))} share its name, extension aside: which to pair with is not known"
        else:
            why = f"no ground truth of its name in {truth}"
        left_out.append((name, why))
    return left_out


def evaluate(model: LoadedModel | Translator | str | Path, inputs: str | Path, truth: str | Path,
             device: str = "auto", direction: str = "AtoB", on_progress=None) -> Evaluation:
    """Translate every image in ``inputs`` and compare it with the same-named file in ``truth``.

    ``model`` may be a model file, a run folder (with ``direction``), or ``demo``.
    """
    for what, folder in (("input", inputs), ("truth", truth)):  # it said "no image ... has a ground truth"
        try:  # a file given was said not to exist
            existing_folder(folder, f"the {what} folder")
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
    if Path(inputs).resolve() == Path(truth).resolve():  # each picture was scored against itself (a CLI hostile pass)
        raise ValueError(f"the input and truth folders are one folder ({inputs}): the truth is the pictures as they "
                         "should look, in a folder of their own")
    pairs, left_out = pairs_with_truth(inputs, truth)
    report = evaluate_pairs(model, pairs, device=device, direction=direction, on_progress=on_progress)
    report.skipped += left_out
    return report


def pairs_with_truth(inputs: str | Path, truth: str | Path) -> tuple[list[Pair], list[tuple[str, str]]]:
    """The (input, ground truth) pairs of two folders, matched by name, and (name, why) for each input left out:
    left out unsaid, they made a mean over part of the folder pass for one over all of it. ValueError if none pair."""
    pairs, unmatched = match_by_name(Path(inputs), Path(truth))
    shared = [u.removesuffix(SHARED_NAME) for u in unmatched if u.endswith(SHARED_NAME)]  # A/ inputs, B/ truths
    if not pairs:
        raise ValueError(f"no image in {inputs} has a ground truth of the same name in {truth}" +
                         (f" (and {', '.join(shared[:3])}{', …' if len(shared) > 3 else ''} share a name, extension "
                          "aside, with another file of their folder)" if shared else ""))
    return pairs, inputs_left_out(unmatched, "A", truth)


def training_folders(root: str | Path) -> list[Path]:
    """A dataset root's training folders (train/, trainA/, trainB/), those that exist."""
    return [Path(root) / f for f in ("train", "trainA", "trainB") if (Path(root) / f).is_dir()]


def copies_of_training_pictures(pairs: list[Pair], training: list[Path]) -> list[str]:
    """The pairs whose input is a byte-for-byte copy of a same-named picture of the ``training`` folders: copies of
    training pairs scored 29 dB, which measured what the model remembers, and nothing said so. Names alone do not
    tell: the public pix2pix datasets number each split from 1."""
    trained: dict[str, list[Path]] = {}
    for folder in training:
        for path in list_images(Path(folder)):
            trained.setdefault(path.stem, []).append(path)
    return sorted(pair.name for pair in pairs if any(_same_bytes(pair.a, t) for t in trained.get(pair.name, [])))


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def input_direction(metadata: dict) -> str | None:
    """The side of a dataset a model takes as input, as a direction, where its file says: one exported from a run
    (or loaded from one) was made for its run's A and B. An imported generator's "AtoB" only means its source to its
    target (the published facades label-to-photo model takes the facades dataset's B), so the user's choice stands."""
    return None if metadata.get("source") else metadata.get("direction")


def evaluate_held_out(model: LoadedModel | str | Path, pairs: list[Pair], swap: bool, direction: str,
                      device: str = "auto", control: Control | None = None,
                      training: list[Path] | tuple = (), left_out: list[tuple[str, str]] | tuple = (),
                      on_progress=None) -> Evaluation:
    """:func:`evaluate_pairs` on a dataset's held-out pairs, whose input is ``direction``'s side (A for AtoB): a
    model file made for the other direction is refused. An exported B to A model was fed A, silently, and scored
    below the untouched input. Pairs copied from the ``training`` folders are named in ``trained_copies``; the
    pictures ``left_out`` of the pairs (:func:`pairs_with_truth`) are said with the pairs skipped."""
    if isinstance(model, (str, Path)):
        from .modelfile import load_model
        from .resources import resolve_model

        path = resolve_model(model)
        model = load_model(path, direction if path.is_dir() else "AtoB")  # a file holds its one generator
    made_for = input_direction(model.metadata) or direction  # a run's generator loaded, or what a file was made for
    if made_for != direction:
        m = model.metadata
        raise ValueError(f"this model translates {m.get('source_domain', '?')} to {m.get('target_domain', '?')}: "
                         f"its input is the {made_for[0]} side, so evaluate it with {made_for[0]} as the input "
                         f"({made_for})")
    report = evaluate_pairs(model, pairs, swap, device, direction, control, on_progress)
    report.skipped += list(left_out)
    scored = {Path(row["name"]).stem for row in report.images}
    report.trained_copies = [n for n in copies_of_training_pictures(pairs, list(training)) if n in scored]
    return report


def evaluate_pairs(model: LoadedModel | Translator | str | Path, pairs: list[Pair], swap: bool = False,
                   device: str = "auto", direction: str = "AtoB", control: Control | None = None,
                   on_progress=None) -> Evaluation:
    """PSNR/SSIM of the model's output for each pair's input (A, or B with ``swap``) against the other side;
    ``control`` can stop it between pairs (raising Stopped); ``on_progress(done, total)`` is told after each."""
    if isinstance(model, (str, Path)):
        from .modelfile import load_model

        model = load_model(model, direction)
    translator = model if isinstance(model, Translator) else Translator(model, device)
    if not pairs:
        raise ValueError("no pairs to evaluate on")
    result = Evaluation()
    for done, pair in enumerate(pairs):  # a bad pair is named and skipped, as a conversion does with a bad file
        if on_progress is not None:
            on_progress(done, len(pairs))
        if control is not None and control.stopped:
            raise Stopped("the evaluation was stopped")
        source, target = (pair.a.name, (pair.b or pair.a).name)
        try:
            image, expected = load_pair(pair, translator.channels, match_sizes=False)
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad files
            culprit = next((p for p in (pair.a, pair.b) if p is not None and probe_image(p)), None)
            named = ""
            if culprit is not None:  # which file of the pair, by its role (and its name where it differs)
                role = "its truth" if (culprit == pair.b) != swap else "the input"
                named = f"{role} {culprit.name}: " if culprit.name != source else f"{role}: "
            result.skipped.append(((pair.b or pair.a).name if swap else source, named + unreadable_reason(exc)))
            continue
        if swap:
            image, expected, source, target = expected, image, target, source
        if min(image.shape[1:]) < SSIM_SMALLEST:  # one such pair stopped the whole evaluation, unnamed
            result.skipped.append((source, f"{image.shape[2]}x{image.shape[1]} is too small to score (SSIM needs "
                                           f"{SSIM_SMALLEST}x{SSIM_SMALLEST} pixels or more)"))
            continue
        if expected.shape != image.shape:
            result.skipped.append((source, f"its truth {target} is {expected.shape[2]}x{expected.shape[1]} but the "
                                           f"input is {image.shape[2]}x{image.shape[1]}"))
            continue
        output = translator(image[None])[0]
        hwc = [t.permute(1, 2, 0).squeeze(-1).numpy() for t in (output, image, expected)]
        row = {"name": source, "psnr": psnr(hwc[0], hwc[2]), "ssim": ssim(hwc[0], hwc[2]),
               "input_psnr": psnr(hwc[1], hwc[2]), "input_ssim": ssim(hwc[1], hwc[2])}
        if hwc[0].ndim == 3:  # CIEDE2000 of colour images: the measure of a colour cast
            row.update(delta_e=delta_e(hwc[0], hwc[2]), input_delta_e=delta_e(hwc[1], hwc[2]))
        result.images.append(row)
        if expected.shape[0] == 3 and torch.equal(expected[0], expected[1]) and torch.equal(expected[1], expected[2]):
            result.grey_truths.append(target)
    if on_progress is not None:
        on_progress(len(pairs), len(pairs))
    if not result.images:
        name, why = result.skipped[0]
        raise ValueError(f"no pair could be scored ({len(result.skipped)} skipped; first: {Path(name).name}: {why})")
    return result
