"""QtCharts vs pyqtgraph on the live loss plot's worst load: 8 curves x 10^5 points.

Prints, for each backend, the median time to (a) load all points and render one frame and
(b) append a batch of new points and render again (what happens on every live update
late in a long run). The widget is rendered with QWidget.grab(), which paints synchronously,
so the figure includes the real drawing, not just the data hand-over.

    .venv/bin/python benchmarks/plot_speed.py [--points 100000] [--curves 8] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def curves(count: int, points: int) -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    x = np.arange(points, dtype=float)
    ys = [np.abs(1 / (1 + x / 5000) + 0.1 * rng.standard_normal(points)) + 0.05 * i for i in range(count)]
    return x, ys


class QtChartsPlot:
    name = "QtCharts"

    def __init__(self, count: int):
        from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
        self.chart = QChart()
        self.series = [QLineSeries() for _ in range(count)]
        self.ax_x, self.ax_y = QValueAxis(), QValueAxis()
        self.chart.addAxis(self.ax_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.ax_y, Qt.AlignmentFlag.AlignLeft)
        for s in self.series:
            self.chart.addSeries(s)
            s.attachAxis(self.ax_x)
            s.attachAxis(self.ax_y)
        self.view = QChartView(self.chart)
        self.view.resize(900, 500)
        self.view.show()

    def set_data(self, x: np.ndarray, ys: list[np.ndarray]) -> None:
        for s, y in zip(self.series, ys):
            s.replaceNp(x, y)  # the fastest hand-over PySide6 offers (no QPointF list)
        self.ax_x.setRange(float(x[0]), float(x[-1]))
        self.ax_y.setRange(0.0, float(max(y.max() for y in ys)))

    def render(self) -> None:
        self.view.grab()


class PyqtgraphPlot:
    name = "pyqtgraph"

    def __init__(self, count: int):
        import pyqtgraph as pg
        pg.setConfigOptions(antialias=False)
        self.view = pg.PlotWidget()
        self.items = []
        for _ in range(count):
            item = self.view.plot([], [])
            item.setDownsampling(auto=True, method="peak")  # what desktop/widgets/loss_plot.py does
            item.setClipToView(True)
            self.items.append(item)
        self.view.resize(900, 500)
        self.view.show()

    def set_data(self, x: np.ndarray, ys: list[np.ndarray]) -> None:
        for item, y in zip(self.items, ys):
            item.setData(x, y)

    def render(self) -> None:
        self.view.grab()


def median_redraw(backend, x, ys, repeats: int) -> float:
    """Median seconds to hand the curves over and paint one frame."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        backend.set_data(x, ys)
        backend.render()
        QApplication.instance().processEvents()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(backend, x, ys, repeats: int, batch: int) -> tuple[float, float]:
    full = median_redraw(backend, x, ys, repeats)
    # live update: a batch of new points arrives, the whole curve is handed over again
    n = x.size
    x2 = np.concatenate([x, np.arange(n, n + batch, dtype=float)])
    ys2 = [np.concatenate([y, y[-batch:]]) for y in ys]
    return full, median_redraw(backend, x2, ys2, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--curves", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=10, help="points appended per live update")
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    x, ys = curves(args.curves, args.points)
    print(f"{args.curves} curves x {args.points} points, median of {args.repeats}, platform "
          f"{QApplication.platformName()}")
    results = {}
    for cls in (PyqtgraphPlot, QtChartsPlot):
        backend = cls(args.curves)
        backend.render()
        results[cls.name] = measure(backend, x, ys, args.repeats, args.batch)
        full, update = results[cls.name]
        print(f"  {cls.name:10s} load+render {full * 1000:8.1f} ms   live update+render {update * 1000:8.1f} ms")
    qc, pg = results["QtCharts"][1], results["pyqtgraph"][1]
    print(f"  live update: pyqtgraph is {qc / pg:.1f}x faster than QtCharts")


if __name__ == "__main__":
    main()
