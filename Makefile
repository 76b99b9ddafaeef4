# The one place that knows how to set the project up. Every target creates or reuses .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# A known-good pair (measured on these machines: torch 2.14.1 with torchvision 0.29.1); torch 2.13 had no matching torchvision.
TORCH  := torch==2.14.1 torchvision==0.29.1

.PHONY: run test test-slow test-all package package-test dist screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/cyclegan-studio

test: $(STAMP)
	$(PY) -m pytest -m "not slow" -q

test-slow: $(STAMP) package-test
	$(PY) -m pytest -m slow -q

test-all: $(STAMP)
	$(PY) -m pytest -q

# ---- the installable bundle (PyInstaller one-folder build, see build.spec)
BUNDLE := dist/CycleGAN Studio

$(VENV)/bin/pyinstaller: $(STAMP)
	$(PY) -m pip install --quiet -e '.[package]'

package: $(VENV)/bin/pyinstaller
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN build.spec

# The app starts, trains and converts; its command line converts the demo images and refuses to compile there.
package-test: package
	QT_QPA_PLATFORM=offscreen "$(BUNDLE)/cyclegan-studio" --self-test
	rm -rf build/package-test
	"$(BUNDLE)/cyclegan" convert --model demo --input resources/demo/images --output build/package-test/out
	test "$$(ls build/package-test/out | wc -l)" = "$$(ls resources/demo/images | wc -l)"
	! "$(BUNDLE)/cyclegan" convert --model demo --input resources/demo/images --output build/package-test/c \
		--compile on 2> build/package-test/compile.err
	grep -q "does not ship" build/package-test/compile.err && test ! -e build/package-test/c
	test -z "$$(find "$(BUNDLE)" -name 'libqgtk3*')"  # the GTK theme plugin, without GTK: left out
	test -n "$$(find "$(BUNDLE)" -maxdepth 2 -name README.md -not -path '*/resources/*')"  # Help › Documentation

dist: package
	tools/make_dist.sh "$(BUNDLE)"

screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1700x1100x24" $(PY) tools/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# ---- the GPU check (tools/gpu_check.py, docs/performance.md): every GPU path and figure in one call
# on a lent GPU machine, written under $(OUT) ($OUT there). It runs on that machine's own python3
# (.venv does not travel; locally .venv's python is taken); DEVICE=cpu is the tiny CPU dry run.
GPU_PYTHON ?= $(if $(wildcard $(PY)),$(PY),python3)
DEVICE     ?= cuda
OUT        ?= /tmp/cyclegan-gpu-check

.PHONY: gpu-check
gpu-check:
	$(GPU_PYTHON) tools/gpu_check.py --device $(DEVICE) --out "$(OUT)"
