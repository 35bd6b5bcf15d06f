"""The layout models' time per page at full size: PP-DocLayoutV2 beside PP-DocLayoutV3, random weights.

    .venv/bin/python benchmarks/bench_layout.py [--pages 3] [--threads N]

Both detectors run at the release's sizes (V2: ocrvl's ``release_config``; V3: transformers'
``PPDocLayoutV3Config()`` defaults, which are the release's, with its 25 classes) on the same synthetic US-letter
page at 144 dpi (1224 x 1584), one page per call as the vl engine's default. Per model: seconds per page of
``detect`` (pre-processing, network, post-processing; best and median of ``--pages``, the models taking turns,
after one untimed page each), and the ratio V3/V2 of the best times. Random weights score every box below the
0.3 threshold, so a last line gives the cost of drawing the outlines of all 300 rows (threshold 0) from V3's
outputs for that page: the most its post-processing can add. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

PAGE_SIZE = (1224, 1584)


def text_page() -> np.ndarray:
    rng = np.random.default_rng(0)
    width, height = PAGE_SIZE
    page = np.full((height, width, 3), 248, dtype=np.uint8)
    for line in range(48):
        top = 120 + 28 * line
        page[top : top + 14, 110 : 110 + int(rng.integers(400, 1000))] = 30
    return page


def v2_detector():
    from transformers import PPDocLayoutV2ForObjectDetection

    from ocrvl.layout.ppdoclayout.convert import release_config
    from ocrvl.layout.ppdoclayout.model import PPDocLayoutDetector

    return PPDocLayoutDetector(PPDocLayoutV2ForObjectDetection(release_config()).eval())


def v3_detector():
    from transformers import PPDocLayoutV3Config, PPDocLayoutV3ForObjectDetection

    from ocrvl.layout.ppdoclayout.convert import PP_DOCLAYOUT_V2_LABELS
    from ocrvl.layout.ppdoclayout.model_v3 import PPDocLayoutV3Detector

    labels = list(PP_DOCLAYOUT_V2_LABELS)
    config = PPDocLayoutV3Config(num_labels=len(labels), id2label=dict(enumerate(labels)))
    return PPDocLayoutV3Detector(PPDocLayoutV3ForObjectDetection(config).eval(), labels)


def seconds_per_page(detectors: dict, page: np.ndarray, pages: int) -> dict[str, list[float]]:
    """Times of `detect` per model, the models taking turns page by page (so that load from other processes on
    the machine falls on both alike), after one untimed page each."""
    for detector in detectors.values():
        detector.detect(page)
    times: dict[str, list[float]] = {name: [] for name in detectors}
    for _ in range(pages):
        for name, detector in detectors.items():
            started = time.perf_counter()
            detector.detect(page)
            times[name].append(time.perf_counter() - started)
    return times


def all_outlines_seconds(detector, page: np.ndarray) -> tuple[float, int]:
    """Seconds to decode one page's outputs and draw the outline of every row (threshold 0), and the row count."""
    from ocrvl.layout.ppdoclayout.model import network_outputs
    from ocrvl.layout.ppdoclayout.model_v3 import decode_page_v3, regions_from_v3

    output = network_outputs(detector.model, [page], detector.device, detector.dtype)
    size = (page.shape[1], page.shape[0])
    started = time.perf_counter()
    detections = decode_page_v3(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                                output.out_masks[0], size)  # fmt: skip
    regions = regions_from_v3(detections, detector.label_names, 0.0, size)
    return time.perf_counter() - started, len(regions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3, help="timed pages per model (after one untimed)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    page = text_page()
    print(f"page {PAGE_SIZE[0]}x{PAGE_SIZE[1]}, {torch.get_num_threads()} torch threads, {args.pages} timed pages")
    torch.manual_seed(0)
    detectors = {"PP-DocLayoutV2": v2_detector(), "PP-DocLayoutV3": v3_detector()}
    times = seconds_per_page(detectors, page, args.pages)
    for name, detector in detectors.items():
        parameters = sum(p.numel() for p in detector.model.parameters()) / 1e6
        print(f"{name}: {parameters:.1f} M parameters, best {min(times[name]):.2f} s/page, "
              f"median {statistics.median(times[name]):.2f} s/page")  # fmt: skip
    seconds, rows = all_outlines_seconds(detectors["PP-DocLayoutV3"], page)
    print(f"  PP-DocLayoutV3 post-processing with every row kept (threshold 0): {rows} outlines in {seconds:.2f} s")
    ratio = min(times["PP-DocLayoutV3"]) / min(times["PP-DocLayoutV2"])
    print(f"V3/V2 best time per page: {ratio:.2f}")


if __name__ == "__main__":
    main()
