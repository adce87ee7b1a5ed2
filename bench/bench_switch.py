"""What Python's thread switch interval costs the classification pipeline's threads (one table).

Each large NumPy (or GDAL) call in the pipeline releases the GIL and must take it back when it returns.
When another thread is running Python code at that moment, the returning thread waits until that thread
is asked to drop the GIL, which Python does only every *switch interval* (5 ms by default). This script
times the main thread's blend step (adding a probability tile into a row buffer and scaling it: two
NumPy calls on 1200 x 1200 float32) alone and beside threads that run Python code, at the default
interval and at :data:`deepfeature.core.inference.SWITCH_INTERVAL`, the one the classifier sets while
it runs. ``wall`` is what the blending thread waits, ``CPU`` what it computes.

    python bench/bench_switch.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench_classify also puts the plugin folder on sys.path (as package ``deepfeature``).
from bench_classify import print_table  # noqa: E402


def _python_work(stop: threading.Event) -> None:
    """A thread that runs Python bytecode (as tile bookkeeping and callbacks do)."""
    x = 0
    while not stop.is_set():
        for i in range(1000):
            x += i


def _numpy_work(stop: threading.Event) -> None:
    """A thread that alternates NumPy copies with a little Python (as the tile cutters do)."""
    import numpy as np

    a = np.zeros((2000, 2000), np.float32)
    b = np.empty_like(a)
    while not stop.is_set():
        b[...] = a
        sum(range(200))


def blend_ms(interval: float, busy: int, repeats: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one blend step with ``busy`` other threads at this switch interval."""
    import numpy as np

    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    acc = np.zeros((1, 1200, 8192), np.float32)
    tile = np.random.default_rng(0).random((1, 1200, 1200), dtype=np.float32)
    stop = threading.Event()
    threads = [threading.Thread(target=_python_work if i % 2 == 0 else _numpy_work, args=(stop,))
               for i in range(busy)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.2)
        wall, cpu = time.perf_counter(), time.thread_time()
        for k in range(repeats):
            c = (k * 1200) % 6800
            acc[:, :, c:c + 1200] += tile
            acc[:, :, c:c + 1200] *= 0.5
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    finally:
        stop.set()
        for t in threads:
            t.join()
        sys.setswitchinterval(old)
    return 1e3 * wall / repeats, 1e3 * cpu / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="blend steps timed per row")
    args = parser.parse_args()
    from deepfeature.core.inference import SWITCH_INTERVAL

    rows = []
    for busy in (0, 1, 2):
        for interval in (sys.getswitchinterval(), SWITCH_INTERVAL):
            wall, cpu = blend_ms(interval, busy, args.repeats)
            rows.append(("blend step, {} busy thread{}, switch interval {:g} ms".format(
                busy, "" if busy == 1 else "s", interval * 1e3), "{:.2f} / {:.2f}".format(wall, cpu),
                "", "ms wall / CPU; waiting {:.0f} %".format(100 * max(0.0, 1 - cpu / wall))))
    print_table(rows)


if __name__ == "__main__":
    main()
