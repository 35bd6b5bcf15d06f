"""PP-DocLayoutV3: layout boxes, classes, reading order and region outlines of a page in one pass.

The network is transformers' ``PPDocLayoutV3ForObjectDetection`` (an RT-DETR with a mask head and a reading-order
head in its decoder), loaded from the ``PP-DocLayoutV3_safetensors`` release (config.json + model.safetensors +
inference.yml). What surrounds it follows PaddleX 3.7 (its layout-analysis predictor and post-processing) and the
outputs of the exported program as its public consumers read them (``fetch_name_0`` rows
``[cls_id, score, x0, y0, x1, y1, order]``, ``fetch_name_2`` 0/1 masks of 200 x 200 cells), not transformers'
image processor (which needs torchvision and binarizes masks at the score threshold):

- pre-processing: as for V2 (the release's ``inference.yml``): 800 x 800 cv2 bicubic, ignoring the aspect ratio,
  scaled by 1/255, no mean/std;
- rows: sigmoid class scores, top-k over queries x classes with k = number of queries (a query may come back with
  several classes), boxes from centre/size to corners times the page size, no score floor;
- reading order: the order logits of the last decoder layer (its GlobalPointer already puts -1e4 on and below the
  diagonal) to votes and ranks as for V2, every query taking part (there is no class-threshold gate in V3);
- masks: the last decoder layer's mask logits of each row's query, inside where the sigmoid is above 0.5;
- then PaddleX keeps rows scoring above the threshold, orders them by ``order`` (stable here: two classes of one
  query keep their score order) and draws each kept box's outline from its mask on its rounded corners
  (`ocrvl.layout.ppdoclayout.mask_polygons`).

`detect` returns the kept rows as regions in the program's row order (score order), ``order`` = 1-based position in
reading order and ``polygon`` = the outline in page pixels (PaddleX's ``poly`` shape). Boxes are neither rounded nor
clipped: the box rules do that. PaddleX draws outlines after its box rules (NMS, large-image and containment
filters); an outline's vertex spacing depends on the widest box drawn with it, so an outline can differ from
PaddleX's when the rules removed the widest box of the page.

The class names are the release's ``inference.yml`` ``label_list`` (config.json's ``id2label`` in the safetensors
release merges several classes, e.g. ``display_formula`` and ``inline_formula`` into ``formula``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ocrvl.layout.ppdoclayout.convert import read_labels
from ocrvl.layout.ppdoclayout.mask_polygons import polygons_from_masks
from ocrvl.layout.ppdoclayout.model import (
    INPUT_SIZE,
    PPDocLayoutDetector,
    network_outputs,
    reading_order,
    top_rows,
)
from ocrvl.layout.ppdoclayout.paddle_format import PROGRAM_FILE, PaddleFormatError
from ocrvl.types import Region

MODEL_NAME = "PP-DocLayoutV3"
MODEL_TYPE = "pp_doclayout_v3"
ARCHITECTURE = "PPDocLayoutV3ForObjectDetection"
MASK_THRESHOLD = 0.5  # sigmoid of a mask logit above this is inside
UNSUPPORTED_PADDLE_FORM = (
    "PP-DocLayoutV3's Paddle inference form (inference.json + inference.pdiparams) is not supported yet; "
    "use the PP-DocLayoutV3_safetensors release (config.json + model.safetensors + inference.yml)"
)


@dataclass(frozen=True)
class MaskedDetections:
    """One page's rows as the exported program gives them, before any score floor."""

    class_ids: np.ndarray  # int
    scores: np.ndarray
    boxes: np.ndarray  # x0, y0, x1, y1 in page pixels
    orders: np.ndarray  # 0-based reading rank of the row's query
    masks: np.ndarray  # bool, rows x mask height x mask width, over the network input


def decode_page_v3(
    logits: torch.Tensor,
    boxes: torch.Tensor,
    order_logits: torch.Tensor,
    mask_logits: torch.Tensor,
    page_size: tuple[int, int],
) -> MaskedDetections:
    """The rows of one page from the last decoder layer's outputs: `logits` queries x classes, `boxes` queries x
    (cx, cy, w, h) in [0, 1], `order_logits` queries x queries, `mask_logits` queries x h x w; `page_size`
    (width, height)."""
    ranks, _ = reading_order(order_logits.float(), len(order_logits))
    class_ids, scores, corners, queries = top_rows(logits.float(), boxes.float(), page_size)
    return MaskedDetections(
        class_ids=class_ids,
        scores=scores,
        boxes=corners,
        orders=ranks[queries].numpy(),
        masks=(torch.sigmoid(mask_logits.float()[queries]) > MASK_THRESHOLD).numpy(),
    )


def regions_from_v3(
    detections: MaskedDetections,
    labels: Sequence[str],
    threshold: float,
    page_size: tuple[int, int],
    input_size: int = INPUT_SIZE,
) -> list[Region]:
    """Rows scoring above `threshold`, in the program's row order, each with its 1-based reading rank and its
    outline (drawn, as PaddleX draws them, over the kept rows in reading order)."""
    keep = np.flatnonzero(detections.scores > threshold)
    reading = np.argsort(detections.orders[keep], kind="stable")
    ranks = np.empty(len(keep), dtype=np.int64)
    ranks[reading] = np.arange(1, len(keep) + 1)
    in_order = keep[reading]
    outlines = polygons_from_masks(
        np.round(detections.boxes[in_order]), detections.masks[in_order], page_size, (input_size, input_size)
    )
    outline_of = {int(row): outline for row, outline in zip(in_order, outlines, strict=True)}
    regions = []
    for row, rank in zip(keep, ranks, strict=True):
        cls_id = int(detections.class_ids[row])
        x0, y0, x1, y1 = (float(v) for v in detections.boxes[row])
        polygon = tuple((float(x), float(y)) for x, y in outline_of[int(row)])
        regions.append(Region((x0, y0, x1, y1), labels[cls_id], float(detections.scores[row]), int(rank), cls_id,
                              polygon))  # fmt: skip
    return regions


class _LastLayerMasks:
    """Decoder hooks that draw instance masks for the last decoder layer only, the one inference reads.

    transformers' decoder draws a 300 x 200 x 200 mask stack at each of its 6 layers and stacks them (about 0.5 GB
    a page in float32). The pre-hook hands the decoder a 1 x 1 mask feature map, the forward hook draws the last
    layer's masks from its hidden states as the decoder does (norm, mask query head, product with the feature map).
    A decoder called without ``mask_feat`` as keyword is left alone.
    """

    def __init__(self) -> None:
        self.mask_feat: torch.Tensor | None = None

    def before(self, _module, args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        feat = kwargs.get("mask_feat")
        if feat is None or kwargs.get("mask_query_head") is None or kwargs.get("norm") is None:
            return None
        self.mask_feat = feat
        return args, {**kwargs, "mask_feat": feat[:, :, :1, :1]}

    def after(self, _module, _args: tuple, kwargs: dict, output):
        feat, self.mask_feat = self.mask_feat, None
        if feat is None:
            return output
        queries = kwargs["mask_query_head"](kwargs["norm"](output.last_hidden_state))
        masks = torch.bmm(queries, feat.flatten(start_dim=2)).reshape(*queries.shape[:2], *feat.shape[-2:])
        output.decoder_out_masks = masks.unsqueeze(1)
        return output


def draw_last_layer_masks_only(model) -> None:
    """Make a transformers ``PPDocLayoutV3ForObjectDetection`` draw the masks of its last decoder layer only
    (``out_masks`` unchanged, the unused masks of the other layers not drawn)."""
    hooks = _LastLayerMasks()
    model.model.decoder.register_forward_pre_hook(hooks.before, with_kwargs=True)
    model.model.decoder.register_forward_hook(hooks.after, with_kwargs=True)


def _has_transformers_config(folder: Path) -> bool:
    """Whether `folder`'s config.json is transformers' PP-DocLayoutV3 config (the Paddle release's config.json
    is PaddleX's own, another format)."""
    try:
        document = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and (
        document.get("model_type") == MODEL_TYPE or ARCHITECTURE in (document.get("architectures") or [])
    )


def is_pp_doclayout_v3(folder: Path | str) -> bool:
    """Whether `folder` holds PP-DocLayoutV3 in either form (config.json's model type or architecture, or the
    model name in inference.yml)."""
    folder = Path(folder)
    if _has_transformers_config(folder):
        return True
    yml = folder / "inference.yml"
    if yml.is_file():
        import yaml

        try:
            document = yaml.safe_load(yml.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return False
        model_name = (document or {}).get("Global", {}).get("model_name") if isinstance(document, dict) else None
        return model_name == MODEL_NAME
    return False


class PPDocLayoutV3Detector:
    """PP-DocLayoutV3 on torch: `detect` a page, or `detect_batch` several at once."""

    name = MODEL_NAME

    def __init__(self, model, labels: Sequence[str], device: str = "cpu", dtype: torch.dtype = torch.float32):
        if len(labels) != model.config.num_labels:
            raise ValueError(f"{len(labels)} class names for a model of {model.config.num_labels} classes")
        self.model = model.to(device=device, dtype=dtype).eval()
        draw_last_layer_masks_only(self.model)
        self.device = torch.device(device)
        self.dtype = dtype
        self.label_names = list(labels)

    @classmethod
    def from_dir(
        cls, path: Path | str, device: str = "cpu", dtype: torch.dtype = torch.float32
    ) -> PPDocLayoutV3Detector:
        """The transformers-format release folder (config.json + model.safetensors, class names from its
        inference.yml when present)."""
        path = Path(path)
        if not _has_transformers_config(path):
            if (path / PROGRAM_FILE).is_file():
                raise PaddleFormatError(path, UNSUPPORTED_PADDLE_FORM)
            raise PaddleFormatError(path, "no transformers config.json: not a PP-DocLayoutV3_safetensors folder")
        from transformers import PPDocLayoutV3ForObjectDetection

        try:
            model = PPDocLayoutV3ForObjectDetection.from_pretrained(path, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise PaddleFormatError(path, f"cannot load the transformers model: {exc}") from exc
        labels = read_labels(path)
        if len(labels) != model.config.num_labels:
            raise PaddleFormatError(path, f"inference.yml names {len(labels)} classes, the model has "
                                          f"{model.config.num_labels}")  # fmt: skip
        return cls(model, labels, device, dtype)

    detect = PPDocLayoutDetector.detect  # one page of `detect_batch`; regions here also carry their outline

    def detect_batch(self, images: Sequence[np.ndarray], threshold: float = 0.3) -> list[list[Region]]:
        """Regions of RGB uint8 pages scoring above `threshold`, in page pixels, with reading order and outline."""
        if not images:
            return []
        output = network_outputs(self.model, images, self.device, self.dtype)
        results = []
        for i, image in enumerate(images):
            page_size = (image.shape[1], image.shape[0])
            detections = decode_page_v3(
                output.logits[i].cpu(),
                output.pred_boxes[i].cpu(),
                output.order_logits[i].cpu(),
                output.out_masks[i].cpu(),
                page_size,
            )
            results.append(regions_from_v3(detections, self.label_names, threshold, page_size))
        return results
