"""The official side of the parity suite: PaddleX's and Paddle's own code on the inputs ocrvl's side wrote.

Runs in the parity venv (paddlepaddle + paddlex), never in ocrvl's: it imports nothing from ocrvl. Usage:
``python official.py WORK piece [piece ...]``; each piece reads ``WORK/<piece>/inputs.*`` and writes
``WORK/<piece>/official.*``. A piece that raises writes ``official.error`` with the traceback instead, and the
others still run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


def _json(path: Path, value) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def _load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------ recognizer


def recognizer(folder: Path) -> None:
    """PaddleX's PaddleOCR-VL model on each checkpoint: image tokens, logits of the prompt, greedy tokens."""
    import paddle
    from paddlex.inference.models.doc_vlm.modeling import PaddleOCRVLForConditionalGeneration

    paddle.set_device("cpu")
    spec = _load_json(folder / "inputs.json")
    cases = np.load(folder / "inputs.npz")
    outputs = {}
    for variant in spec["variants"]:
        model = PaddleOCRVLForConditionalGeneration.from_pretrained(
            str(folder / variant["checkpoint"]), dtype=variant["dtype"], convert_from_hf=True
        )
        model.eval()
        for case in range(spec["cases"]):
            patches = paddle.to_tensor(cases[f"patches_{case}"])
            grid = paddle.to_tensor(cases[f"grid_{case}"][None].astype(np.int64))
            input_ids = paddle.to_tensor(cases[f"input_ids_{case}"][None].astype(np.int64))
            mask = paddle.ones_like(input_ids)
            key = f"{variant['name']}_{case}"
            with paddle.no_grad():
                outputs[f"image_tokens_{key}"] = _image_tokens(model, patches, cases[f"grid_{case}"])
                model.rope_deltas_var.set(None)
                logits = model(input_ids=input_ids, attention_mask=mask, pixel_values=patches, image_grid_thw=grid,
                               return_dict=True).logits  # fmt: skip
                outputs[f"logits_{key}"] = logits.astype("float32").numpy()[0]
                model.rope_deltas_var.set(None)
                generated = model.generate(
                    {"input_ids": input_ids, "attention_mask": mask, "pixel_values": patches, "image_grid_thw": grid},
                    max_new_tokens=spec["new_tokens"],
                )
            outputs[f"greedy_{key}"] = np.asarray(generated[0].numpy()[0], dtype=np.int64)
        del model
    np.savez(folder / "official.npz", **outputs)


def _image_tokens(model, patches, grid: np.ndarray) -> np.ndarray:
    """The projected image tokens, computed the way the model's forward does before splicing them in."""
    import paddle

    count = int(np.prod(grid))
    embeds = model.visual(
        pixel_values=patches.astype("float32").unsqueeze(0),
        image_grid_thw=[tuple(int(v) for v in grid)],
        position_ids=paddle.arange(count) % int(np.prod(grid[1:])),
        vision_return_embed_list=True,
        interpolate_pos_encoding=True,
        sample_indices=paddle.zeros([count], dtype="int64"),
        cu_seqlens=paddle.to_tensor([0, count], dtype="int32"),
        return_pooler_output=False,
        use_rope=True,
        window_size=-1,
    ).last_hidden_state
    tokens = model.mlp_AR(embeds, paddle.to_tensor(grid[None].astype(np.int64)))
    return paddle.concat(tokens, axis=0).astype("float32").numpy()


# ------------------------------------------------------------------------------------------ layout program


def layout(folder: Path) -> None:
    """The release's exported PP-DocLayoutV2 program under Paddle Inference, once per parameter folder listed in
    ``inputs.json``: its rows (``fetch_name_0``) and, fetched from inside the program, what its reading-order head
    was given and what it voted (see ``_ORDER_PROBES``)."""
    import paddle.inference as paddle_infer

    pages = np.load(folder / "inputs.npz")
    outputs = {}
    for model in _load_json(folder / "inputs.json")["models"]:
        model_dir = _with_order_probes(folder / model, folder / f"{model}_probed")
        config = paddle_infer.Config(str(model_dir / "inference.json"), str(model_dir / "inference.pdiparams"))
        config.disable_gpu()
        config.set_cpu_math_library_num_threads(2)
        config.disable_glog_info()
        config.disable_mkldnn()  # the oneDNN path cannot run some of the program's attributes on CPU
        predictor = paddle_infer.create_predictor(config)
        for name in sorted(k for k in pages.files if k.startswith("pixels_")):
            page = name.removeprefix("pixels_")
            feeds = {
                "image": pages[name][None],
                "im_shape": np.array([[800.0, 800.0]], dtype=np.float32),
                "scale_factor": pages[f"scale_{page}"][None].astype(np.float32),
            }
            for input_name in predictor.get_input_names():
                predictor.get_input_handle(input_name).copy_from_cpu(feeds[input_name])
            predictor.run()
            outputs[f"{model}_rows_{page}"] = predictor.get_output_handle("fetch_name_0").copy_to_cpu()
            for probe in _ORDER_PROBES:
                outputs[f"{model}_{probe}_{page}"] = predictor.get_output_handle(probe).copy_to_cpu()[0]
    np.savez(folder / "official.npz", **outputs)


# Values inside the program fetched next to its rows, each found by the op that makes or uses it:
# order_boxes: the reading-order head's int64 boxes, [start pad, the 300 queries in threshold-sorted order, end pad];
# order_labels: its class-order labels per query; order_count: how many queries passed their class threshold;
# order_votes: the votes its final argsort ranks, per query.
_ORDER_PROBES = ("order_boxes", "order_labels", "order_count", "order_votes")


def _with_order_probes(model_dir: Path, out_dir: Path) -> Path:
    """A copy of the program that also fetches `_ORDER_PROBES`."""
    program = _load_json(model_dir / "inference.json")
    ops = program["program"]["regions"][0]["blocks"][0]["ops"]
    head = "ReadingOrderPredictor/"

    def struct(op: dict) -> str:
        return next((a["AT"]["D"] for a in op.get("A", []) if isinstance(a, dict) and a.get("N") == "struct_name"), "")

    def find(what: str, test, last: bool = False) -> dict:
        found = [op for op in ops if test(op)]
        if not found:
            raise RuntimeError(f"{model_dir / 'inference.json'}: no op that makes the {what}; the program changed")
        return found[-1] if last else found[0]

    values = {
        "order_boxes": find("order boxes", lambda op: op["#"] == "1.concat" and struct(op).endswith(head)
                            and op["O"][0]["TT"]["D"][0]["#"] == "0.t_i64")["O"][0],
        "order_labels": _input(find("order labels", lambda op: op["#"] == "1.embedding"
                                    and struct(op).endswith(head + "Embedding/")), ops),
        "order_count": find("order count", lambda op: op["#"] == "1.sum" and struct(op).endswith(head))["O"][0],
        "order_votes": _input(find("order votes", lambda op: op["#"] == "1.argsort", last=True), ops),
    }  # fmt: skip
    next_id = 1 + max(o["%"] for op in ops for o in (op.get("O") or []) if isinstance(o, dict) and "%" in o)
    for column, (name, value) in enumerate(values.items(), start=2):
        ops.append(_fetch_op(name, column, value, next_id + column))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("inference.pdiparams", "inference.yml"):
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out_dir / name)
    _json(out_dir / "inference.json", program)
    return out_dir


def _fetch_op(name: str, column: int, value: dict, new_id: int) -> dict:
    """A PIR ``fetch`` op (as the program's own ``fetch_name_0`` is written) of `value` under `name`."""
    flag = {"#": "0.a_array", "D": [{"#": "0.a_bool", "D": True}]}
    return {
        "#": "1.fetch",
        "A": [{"AT": {"#": "0.a_str", "D": name}, "N": "name"}, {"AT": {"#": "0.a_i32", "D": column}, "N": "col"}],
        "I": [{"%": value["%"]}],
        "O": [{"%": new_id, "TT": value["TT"]}],
        "OA": [{"AT": flag, "N": "persistable"}, {"AT": flag, "N": "stop_gradient"}],
    }


def _input(op: dict, ops: list[dict]) -> dict:
    """The value (id and type) of `op`'s first input, from the op that produced it."""
    wanted = op["I"][0]["%"]
    for producer in ops:
        for out in producer.get("O") or []:
            if isinstance(out, dict) and out.get("%") == wanted:
                return out
    raise RuntimeError(f"no op makes value %{wanted}")


# ------------------------------------------------------------------------------------------ box rules


def boxes(folder: Path) -> None:
    """PaddleX's layout post-process with PaddleOCR-VL's settings, then its block filter, crops and merging."""
    from paddlex.inference.models.layout_analysis.processors import LayoutAnalysisProcess
    from paddlex.inference.pipelines.components import CropByBoxes
    from paddlex.inference.pipelines.paddleocr_vl.uilts import filter_overlap_boxes, merge_blocks

    spec = _load_json(folder / "inputs.json")
    rows = np.load(folder / "inputs.npz")
    labels = spec["labels"]
    threshold = {int(k): v for k, v in spec["threshold"].items()}
    merge_modes = {int(k): v for k, v in spec["merge_bboxes_mode"].items()}
    process = LayoutAnalysisProcess(labels=labels)
    crop = CropByBoxes()
    non_merge = spec["non_merge_labels"]
    results = []
    for index, (width, height) in enumerate(spec["sizes"]):
        detected = process(
            [{"boxes": rows[f"rows_{index}"].astype(np.float32).copy()}],
            [{"ori_img_size": (width, height)}],
            threshold=threshold,
            layout_nms=True,
            layout_unclip_ratio=[1.0, 1.0],
            layout_merge_bboxes_mode=merge_modes,
            layout_shape_mode="auto",
            filter_overlap_boxes=False,
        )[0]
        layout_det = [_det_box(b) for b in (detected if len(detected) else [])]
        kept = filter_overlap_boxes({"boxes": list(detected) if len(detected) else []}, "auto")["boxes"]
        page = page_pixels(width, height, index)
        blocks = merge_blocks(crop(page, kept, "auto"), non_merge_labels=non_merge)
        results.append({"layout_det": layout_det, "blocks": [_block(b) for b in blocks]})
    _json(folder / "official.json", results)


def _det_box(box: dict) -> dict:
    return {"label": box["label"], "score": float(box["score"]), "box": [int(v) for v in box["coordinate"]]}


def _block(block: dict) -> dict:
    image = block.get("img")
    return {
        "label": block["label"],
        "box": [int(v) for v in block["box"]],
        "group_id": block.get("group_id"),
        "aligns": block.get("merge_aligns"),
        "image": None if image is None else image_digest(np.asarray(image)),
    }


def page_pixels(width: int, height: int, seed: int) -> np.ndarray:
    """A deterministic page both sides can rebuild: stripes whose pattern depends on `seed` (uint8 wraps)."""
    xs = (np.arange(width) * (3 + seed % 5) + seed * 11).astype(np.uint8)
    channels = [xs[None, :] + (np.arange(height) * (7 + c)).astype(np.uint8)[:, None] for c in range(3)]
    return np.stack(channels, axis=-1)


def image_digest(image: np.ndarray) -> list:
    """Shape and a checksum of an image: equal digests mean equal pixels."""
    return [list(image.shape), hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()]


# ------------------------------------------------------------------------------------------ OTSL, formulas


def otsl(folder: Path) -> None:
    from paddlex.inference.pipelines.paddleocr_vl.uilts import convert_otsl_to_html

    results = []
    for text in _load_json(folder / "inputs.json"):
        try:
            results.append({"html": convert_otsl_to_html(text)})
        except Exception as exc:  # the official converter's own failure is an outcome to compare, not a crash
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    _json(folder / "official.json", results)


def formula(folder: Path) -> None:
    """PaddleX's formula crop: ``crop_margin`` on the BGR crop, kept only when more than 2 px remain a side,
    through the pipeline's own routing code."""
    crops = np.load(folder / "inputs.npz")
    results = []
    for name in sorted(crops.files, key=lambda n: int(n.split("_")[1])):
        entries = _route_blocks([{"img": crops[name][..., ::-1].copy(), "label": "display_formula",
                                  "box": [0, 0, 1, 1]}], _pipeline_settings())  # fmt: skip
        results.append(image_digest(np.ascontiguousarray(entries[0][2][..., ::-1])))
    _json(folder / "official.json", results)


# ------------------------------------------------------------------------------------------ pixel limits, prompt


def prompt(folder: Path) -> None:
    """Per task: the pixel limits PaddleOCR-VL's pipeline gives a crop when the user sets none, and the input ids
    PaddleX's processor (its chat template, tokenizer and image processor) builds for that crop."""
    from paddlex.inference.models.common.tokenizer import LlamaTokenizer
    from paddlex.inference.models.common.tokenizer.tokenizer_utils import ChatTemplate
    from paddlex.inference.models.doc_vlm.processors import PaddleOCRVLProcessor, SiglipImageProcessor
    from PIL import Image

    spec = _load_json(folder / "inputs.json")
    crops = np.load(folder / "inputs.npz")
    settings = _pipeline_settings()
    results = {}
    for checkpoint in spec["checkpoints"]:
        model_dir = folder / checkpoint
        tokenizer = LlamaTokenizer.from_pretrained(str(model_dir), vocab_file=str(model_dir / "tokenizer.model"))
        tokenizer.chat_template = ChatTemplate._compile_jinja_template(
            (model_dir / "chat_template.jinja").read_text(encoding="utf-8")
        )
        processor = PaddleOCRVLProcessor(SiglipImageProcessor.from_pretrained(str(model_dir)), tokenizer)
        cases = []
        for case in spec["cases"]:
            image = crops[case["crop"]]
            block = {"img": image[..., ::-1].copy(), "label": case["label"], "box": [0, 0, 1, 1]}
            _, _, routed, query, (low, high), _ = _route_blocks([block], settings)[0]
            inputs = processor.preprocess([{"image": Image.fromarray(routed[..., ::-1].copy()), "query": query}],
                                          min_pixels=low, max_pixels=high)  # fmt: skip
            cases.append({
                "query": query,
                "pixel_limits": [low, high],
                "grid": [int(v) for v in np.asarray(inputs["image_grid_thw"])[0]],
                "input_ids": [int(v) for v in np.asarray(inputs["input_ids"])[0]],
                "text": tokenizer.apply_chat_template(
                    [{"role": "user", "content": [{"type": "image", "image": "placeholder"},
                                                  {"type": "text", "text": query}]}], tokenize=False),
            })  # fmt: skip
        results[checkpoint] = cases
    _json(folder / "official.json", results)


def _pipeline_settings() -> dict:
    """The per-crop settings PaddleOCR-VL's pipeline derives when the user passes none, taken from its own
    ``get_layout_parsing_results`` (stopped right after it builds them)."""
    from paddlex.inference.pipelines.paddleocr_vl.pipeline import _PaddleOCRVLPipeline as Pipeline

    class Captured(Exception):
        pass

    class Probe:
        layout_prep_cpu_workers = 1

        def _paddleocr_vl_prepare_page_serial_benchmarked(self, payload):
            raise Captured(payload[4])

    try:
        Pipeline.get_layout_parsing_results(Probe(), [None], [{"boxes": []}], [[]])
    except Captured as captured:
        return captured.args[0]
    raise RuntimeError("PaddleX's get_layout_parsing_results no longer builds its settings where expected")


def _route_blocks(blocks: list[dict], settings: dict) -> list[tuple]:
    """PaddleX's routing of blocks to (page, index, image, prompt, pixel limits, figure map)."""
    from paddlex.inference.pipelines.paddleocr_vl.pipeline import _PaddleOCRVLPipeline as Pipeline

    entries, _, _ = Pipeline._paddleocr_vl_collect_page_vlm_entries_core(None, 0, blocks, [], settings)
    return entries


def _layout_processors():
    """PaddleX's layout post-processing module, with OpenCV: PaddleX asks for opencv-contrib-python there and leaves
    ``cv2`` unset without it; the headless build in this venv has the same functions."""
    import cv2
    import paddlex.inference.models.layout_analysis.processors as layout_processors

    layout_processors.cv2 = cv2
    layout_processors.mask2polygon = getattr(layout_processors.mask2polygon, "__wrapped__",
                                             layout_processors.mask2polygon)  # fmt: skip
    return layout_processors


def layout_v3(folder: Path) -> None:
    """PaddleX's PP-DocLayoutV3 post-processing on raw network outputs: ``PPDocLayoutV3PostProcess`` for the rows
    (class, score, box, reading rank, votes), the rows' query masks binarized at sigmoid 0.5 (PaddleX's own V3
    network has no mask output; the exported program's masks are 0/1), then ``LayoutAnalysisProcess`` with its box
    rules off and outlines in ``poly`` shape."""
    import paddle
    from paddlex.inference.models.object_detection.modeling.pp_doclayout_v3 import PPDocLayoutV3PostProcess

    layout_processors = _layout_processors()
    paddle.set_device("cpu")
    spec = _load_json(folder / "inputs.json")
    cases = np.load(folder / "inputs.npz")
    process = layout_processors.LayoutAnalysisProcess(labels=spec["labels"], scale_size=[800, 800])
    results = {}
    for case in spec["cases"]:
        key, (width, height) = case["key"], case["page_size"]
        logits = paddle.to_tensor(cases[f"{key}_logits"][None])
        queries, num_classes = cases[f"{key}_logits"].shape
        post = PPDocLayoutV3PostProcess(num_classes=num_classes, num_top_queries=queries)
        input_shape, scale = paddle.to_tensor([[800.0, 800.0]]), paddle.to_tensor([[800.0 / height, 800.0 / width]])
        head = (paddle.to_tensor(cases[f"{key}_boxes"][None]), logits)
        rows, _ = post(head, paddle.to_tensor(cases[f"{key}_order"][None]), input_shape, scale, None)
        _, index = paddle.topk(paddle.nn.functional.sigmoid(logits).flatten(1), queries, axis=-1)
        query = (index // num_classes).numpy()[0]
        masks = paddle.nn.functional.sigmoid(paddle.to_tensor(cases[f"{key}_masks"][query])) > 0.5
        (boxes,) = process([{"boxes": rows.numpy(), "masks": masks.numpy().astype(np.int32)}],
                           [{"ori_img_size": (width, height)}], threshold=spec["threshold"], layout_nms=False,
                           layout_unclip_ratio=None, layout_merge_bboxes_mode=None, layout_shape_mode="poly",
                           filter_overlap_boxes=False, skip_order_labels=[])  # fmt: skip
        results[key] = [{"cls_id": b["cls_id"], "score": b["score"], "coordinate": b["coordinate"],
                         "order": b["order"], "polygon_points": np.asarray(b["polygon_points"]).tolist()}
                        for b in boxes]  # fmt: skip
    _json(folder / "official.json", results)


def layout_v3_network(folder: Path) -> None:
    """PaddleX's own PP-DocLayoutV3 network, loaded from each safetensors folder as its ``paddle_dynamic`` runner
    loads it: the last decoder layer's class logits, boxes, order logits and mask logits for the pages."""
    import paddle
    from paddlex.inference.models.object_detection.modeling import PPDocLayoutV3

    paddle.set_device("cpu")
    pixels = paddle.to_tensor(np.load(folder / "inputs.npz")["pixels"])
    outputs = {}
    for variant in _load_json(folder / "inputs.json")["variants"]:
        model = PPDocLayoutV3.from_pretrained(str(folder / variant), use_safetensors=True, convert_from_hf=True,
                                              dtype="float32")  # fmt: skip
        model.eval()
        with paddle.no_grad():
            out = model.model(pixels)
        outputs[f"{variant}_logits"] = out["intermediate_logits"][:, -1].numpy()
        outputs[f"{variant}_boxes"] = out["intermediate_reference_points"][:, -1].numpy()
        outputs[f"{variant}_order"] = out["out_order_logits"][:, -1].numpy()
        outputs[f"{variant}_masks"] = out["out_masks"][:, -1].numpy()
    np.savez(folder / "official.npz", **outputs)


def polygons(folder: Path) -> None:
    """PaddleX's outline rules on the random outlines: ``_normalize_layout_polygon`` for each shape mode (the
    previous outline normalized in ``auto`` as its pipeline does), then per page ``filter_overlap_boxes`` and
    ``CropByBoxes`` on outlines normalized in ``auto``. A case where PaddleX divides by zero is null."""
    import cv2
    import paddlex.inference.pipelines.components.common.crop_image_regions as crop_regions
    from paddlex.inference.pipelines.paddleocr_vl.uilts import filter_overlap_boxes

    crop_regions.cv2 = cv2  # unset there too without opencv-contrib-python, see _layout_processors

    def box_of(outline) -> list[int]:  # the same as tests/parity/polygons.py's
        points = np.asarray(outline, dtype=np.float32)
        box = np.round([points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()])
        return [int(v) for v in np.clip(box, 0, 1000)]

    normalize = _layout_processors()._normalize_layout_polygon

    def normalized(outline, mode, previous=None):
        points = np.asarray(outline, dtype=np.float32)
        return normalize(np.asarray(box_of(outline)), points, mode, previous_polygon=previous)

    spec = _load_json(folder / "inputs.json")
    shapes = []
    for case in spec["shapes"]:
        try:
            previous = normalized(case["previous"], "auto") if case["previous"] is not None else None
            shapes.append(normalized(case["outline"], case["mode"], previous).tolist())
        except ZeroDivisionError:
            shapes.append(None)
    crop = crop_regions.CropByBoxes()
    pages = []
    for index, regions in enumerate(spec["pages"]):
        try:
            boxes, previous = [], None
            for region in regions:
                previous = normalized(region["outline"], "auto", previous)
                boxes.append({"cls_id": 0, "label": region["label"], "score": 0.9, "coordinate": region["box"],
                              "polygon_points": previous})  # fmt: skip
            kept = filter_overlap_boxes({"boxes": boxes}, "auto")["boxes"]
        except ZeroDivisionError:
            pages.append(None)
            continue
        image = page_pixels(1000, 1000, index)
        pages.append({"kept": [[int(v) for v in box["coordinate"]] for box in kept],
                      "crops": [image_digest(np.asarray(c["img"])) for c in crop(image, kept, "auto")]})  # fmt: skip
    _json(folder / "official.json", {"shapes": shapes, "pages": pages})


PIECES = {
    "recognizer": recognizer,
    "layout": layout,
    "layout_v3": layout_v3,
    "layout_v3_network": layout_v3_network,
    "boxes": boxes,
    "otsl": otsl,
    "formula": formula,
    "prompt": prompt,
    "polygons": polygons,
}


def main(argv: list[str]) -> int:
    logging.disable(logging.WARNING)
    work = Path(argv[0])
    for piece in argv[1:]:
        folder = work / piece
        (folder / "official.error").unlink(missing_ok=True)  # a kept work folder may hold an earlier run's
        try:
            PIECES[piece](folder)
        except Exception:
            (folder / "official.error").write_text(traceback.format_exc(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
