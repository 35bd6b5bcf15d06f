"""PP-DocLayoutV2: layout boxes, classes and reading order of a page, as the official exported model gives them.

The network is transformers' ``PPDocLayoutV2ForObjectDetection``; what surrounds it follows the release instead
of transformers' image processor (which needs torchvision):

- the network's reading-order head sees the boxes as the program gives them to it: corners x 1000, clipped to
  [0, 1000] and cast to int64 (transformers passes them on as floats, which moves the order logits);
- pre-processing (the release's ``inference.yml``): resize to 800 x 800 with cv2 bicubic, ignoring the aspect
  ratio, scale by 1/255, no mean/std, HWC -> CHW;
- post-processing (the program's tail, ``fetch_name_0`` rows ``[cls_id, score, x0, y0, x1, y1, order, votes]``):
  sigmoid class scores, top-k over queries x classes with k = number of queries (a query may come back with
  several classes), boxes from centre/size to corners times the page size, no score floor; the order of every
  query from the order head: sigmoid of the logits with pairs outside the first ``n`` (the boxes that passed
  ``class_thresholds``) pushed down by 1e4, votes = column sums of the upper triangle plus the complement of
  the transposed lower one, rank = position in the ascending argsort of the votes;
- then PaddleX's ``DetPostProcess`` keeps rows whose score is above the threshold and, for 8-column rows,
  sorts them by ``order`` ascending and ``votes`` descending (``np.lexsort((-votes, order))``).

`detect` returns those rows as regions in the program's row order, ``order`` = 1-based position in that sorted
order. Boxes are not clipped to the page; PaddleX clips them after its box rules (per-class thresholds, NMS,
merging), which another stage applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from ocrvl.types import Region

if TYPE_CHECKING:
    from ocrvl.layout.ppdoclayout.model_v3 import PPDocLayoutV3Detector

INPUT_SIZE = 800
MASKED_PAIR = 1e4  # how far the program pushes order logits of pairs involving a box below its class threshold


def preprocess(image: np.ndarray) -> torch.Tensor:
    """A float32 CHW tensor of an RGB uint8 page, as the release feeds its network."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image H x W x 3, got shape {image.shape}")
    resized = cv2.resize(np.ascontiguousarray(image), (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_CUBIC)
    scaled = resized.astype(np.float32) * np.float32(1.0 / 255.0)
    return torch.from_numpy(np.ascontiguousarray(scaled.transpose(2, 0, 1)))


def network_outputs(model, images: Sequence[np.ndarray], device: torch.device, dtype: torch.dtype):
    """The network's outputs for a batch of RGB uint8 pages, pre-processed as the release does."""
    pixels = torch.stack([preprocess(image) for image in images]).to(device, dtype)
    with torch.inference_mode():
        return model(pixel_values=pixels)


def reading_order(order_logits: torch.Tensor, num_valid: int) -> tuple[torch.Tensor, torch.Tensor]:
    """0-based reading rank and vote of every query from one page's order logits (queries x queries).

    Only the first `num_valid` queries (those above their class threshold, which the model sorts first) take
    part; the others get logits 1e4 lower, as in the exported program.
    """
    count = order_logits.shape[-1]
    valid = (torch.arange(count, device=order_logits.device) < num_valid).to(order_logits.dtype)
    logits = order_logits - (1.0 - valid[:, None] * valid[None, :]) * MASKED_PAIR
    scores = torch.sigmoid(logits)
    upper = torch.triu(torch.ones(count, count, dtype=scores.dtype, device=scores.device), 1)
    lower = torch.tril(torch.ones(count, count, dtype=scores.dtype, device=scores.device), -1)
    votes = (scores * upper + (1.0 - scores.transpose(0, 1)) * lower).sum(dim=0)
    pointers = torch.argsort(votes)
    ranks = torch.empty_like(pointers)
    ranks[pointers] = torch.arange(count, device=pointers.device)
    return ranks, votes


@dataclass(frozen=True)
class Detections:
    """One page's output rows, as ``fetch_name_0`` holds them, before any score floor."""

    class_ids: np.ndarray  # int
    scores: np.ndarray
    boxes: np.ndarray  # x0, y0, x1, y1 in page pixels
    orders: np.ndarray  # 0-based rank of the row's query
    votes: np.ndarray


def decode_page(
    logits: torch.Tensor,
    boxes: torch.Tensor,
    order_logits: torch.Tensor,
    class_thresholds: torch.Tensor,
    page_size: tuple[int, int],
) -> Detections:
    """The program's rows for one page from the model's (already threshold-sorted) outputs.

    `logits` queries x classes, `boxes` queries x (cx, cy, w, h) in [0, 1], `page_size` (width, height).
    """
    # Count the boxes the model let into its reading-order pass exactly as it did, in its own dtype.
    max_logits, class_ids = logits.max(dim=-1)
    num_valid = int((max_logits.sigmoid() >= class_thresholds[class_ids]).sum())
    logits, boxes, order_logits = logits.float(), boxes.float(), order_logits.float()
    ranks, votes = reading_order(order_logits, num_valid)

    class_ids, scores, corners, queries = top_rows(logits, boxes, page_size)
    return Detections(
        class_ids=class_ids,
        scores=scores,
        boxes=corners,
        orders=ranks[queries].numpy(),
        votes=votes[queries].numpy(),
    )


def top_rows(
    logits: torch.Tensor, boxes: torch.Tensor, page_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, torch.Tensor]:
    """Class ids, scores and box corners (page pixels) of the program's rows, and the query of each row: sigmoid
    scores, top-k over queries x classes with k = number of queries (a query may come back with several
    classes), centre/size boxes in [0, 1] to corners times the page size (width, height)."""
    width, height = page_size
    centres, sizes = boxes.split(2, dim=-1)
    corners = torch.cat([centres - sizes * 0.5, centres + sizes * 0.5], dim=-1)
    corners = corners * torch.tensor([width, height, width, height], dtype=corners.dtype)
    num_queries, num_classes = logits.shape
    scores, flat = torch.topk(torch.sigmoid(logits).flatten(), num_queries)
    queries = flat // num_classes
    return (flat % num_classes).numpy(), scores.numpy(), corners[queries].numpy(), queries


def regions_from(detections: Detections, labels: Sequence[str], threshold: float) -> list[Region]:
    """Rows scoring above `threshold`, in the program's row order (the box rules' NMS breaks score ties by
    it), each with ``order`` = its 1-based place in reading order (PaddleX's stable sort on order, then -votes)."""
    keep = np.flatnonzero(detections.scores > threshold)
    ranks = np.empty(len(keep), dtype=np.int64)
    ranks[np.lexsort((-detections.votes[keep], detections.orders[keep]))] = np.arange(1, len(keep) + 1)
    regions = []
    for row, rank in zip(keep, ranks, strict=True):
        cls_id = int(detections.class_ids[row])
        x0, y0, x1, y1 = (float(v) for v in detections.boxes[row])
        regions.append(Region((x0, y0, x1, y1), labels[cls_id], float(detections.scores[row]), int(rank), cls_id))
    return regions


def _boxes_cast_to_integers(_module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Forward pre-hook of the reading-order head: its boxes (0-1000, never negative) truncated to whole numbers,
    as the exported program's ``cast`` to int64 does before the layout embeddings and the relative-position bias."""
    if "boxes" in kwargs:
        return args, {**kwargs, "boxes": kwargs["boxes"].trunc()}
    return (args[0].trunc(), *args[1:]), kwargs


def read_boxes_as_integers(model) -> None:
    """Make a transformers ``PPDocLayoutV2ForObjectDetection`` order its boxes as the release's program does."""
    model.reading_order.register_forward_pre_hook(_boxes_cast_to_integers, with_kwargs=True)


class PPDocLayoutDetector:
    """PP-DocLayoutV2 on torch: `detect` a page, or `detect_batch` several at once."""

    name = "PP-DocLayoutV2"

    def __init__(self, model, device: str = "cpu", dtype: torch.dtype = torch.float32):
        self.model = model.to(device=device, dtype=dtype).eval()
        read_boxes_as_integers(self.model)
        self.device = torch.device(device)
        self.dtype = dtype
        config = model.config
        self.label_names = [config.id2label[i] for i in range(config.num_labels)]
        self.class_thresholds = torch.tensor(config.class_thresholds, dtype=torch.float32)

    @classmethod
    def from_dir(
        cls, path: Path | str, device: str = "cpu", dtype: torch.dtype = torch.float32
    ) -> PPDocLayoutDetector | PPDocLayoutV3Detector:
        """A transformers-format folder (config.json + model.safetensors) or the release's Paddle folder
        (inference.json + inference.pdiparams + inference.yml), converted in memory; a PP-DocLayoutV3 folder gives
        a `PPDocLayoutV3Detector`."""
        from ocrvl.layout.ppdoclayout.convert import load_paddle_layout
        from ocrvl.layout.ppdoclayout.model_v3 import PPDocLayoutV3Detector, is_pp_doclayout_v3
        from ocrvl.layout.ppdoclayout.paddle_format import PROGRAM_FILE, PaddleFormatError

        path = Path(path)
        if is_pp_doclayout_v3(path):
            return PPDocLayoutV3Detector.from_dir(path, device, dtype)
        if (path / PROGRAM_FILE).is_file() or (path / "inference.pdiparams").is_file():
            return cls(load_paddle_layout(path), device, dtype)
        if not (path / "config.json").is_file():
            raise PaddleFormatError(path, "neither a Paddle inference folder (inference.json) nor a transformers "
                                          "one (config.json + model.safetensors)")  # fmt: skip
        from transformers import PPDocLayoutV2ForObjectDetection

        try:
            model = PPDocLayoutV2ForObjectDetection.from_pretrained(path, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise PaddleFormatError(path, f"cannot load the transformers model: {exc}") from exc
        return cls(model, device, dtype)

    def detect(self, image: np.ndarray, threshold: float = 0.3) -> list[Region]:
        """Regions of an RGB uint8 page scoring above `threshold`, in page pixels and reading order."""
        return self.detect_batch([image], threshold)[0]

    def detect_batch(self, images: Sequence[np.ndarray], threshold: float = 0.3) -> list[list[Region]]:
        if not images:
            return []
        output = network_outputs(self.model, images, self.device, self.dtype)
        results = []
        for i, image in enumerate(images):
            detections = decode_page(
                output.logits[i].cpu(),
                output.pred_boxes[i].cpu(),
                output.order_logits[i].cpu(),
                self.class_thresholds,
                (image.shape[1], image.shape[0]),
            )
            results.append(regions_from(detections, self.label_names, threshold))
        return results
