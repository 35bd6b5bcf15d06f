"""A tiny PP-DocLayoutV2 for tests: same architecture family, a few thousand weights, built in well under a second.

It detects something on every page: the final class head ignores the image and scores every query as ``text``
(0.95), so the tiny detector returns one confident text box per query (12), wherever its random encoder puts
them. RepVGG blocks are kept in the fused form the release stores, so a Paddle round trip is exact.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ocrvl.layout.ppdoclayout.convert import (
    PP_DOCLAYOUT_V2_CLASS_ORDER,
    PP_DOCLAYOUT_V2_CLASS_THRESHOLDS,
    PP_DOCLAYOUT_V2_LABELS,
    fuse_repvgg,
    repvgg_state,
)
from ocrvl.testing.paddle_layout import write_paddle_inference

TINY_NUM_QUERIES = 12
TEXT_LOGIT = 3.0  # sigmoid 0.953: above every class threshold
OTHER_LOGIT = -6.0


def _tiny_backbone(widths: list[int], stages: list[str]) -> dict:
    """An HGNetV2 of a few hundred weights per stage, giving the features of `stages`."""
    return {
        "model_type": "hgnet_v2",
        "stem_channels": [3, 8, 8],
        "stage_in_channels": [8, *widths[:-1]],
        "stage_mid_channels": [8, 8, 8, 8],
        "stage_out_channels": widths,
        "hidden_sizes": widths,
        "stage_num_blocks": [1, 1, 1, 1],
        "stage_numb_of_layers": [2, 2, 2, 2],
        "out_features": stages,
    }


def tiny_layout_config():
    from transformers import PPDocLayoutV2Config

    widths = [16, 16, 16, 16]
    backbone = _tiny_backbone(widths, ["stage2", "stage3", "stage4"])
    reading_order = {
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_hidden_layers": 2,
        "coordinate_size": 4,
        "shape_size": 4,
        "max_position_embeddings": 32,
        "global_pointer_head_size": 8,
    }
    labels = list(PP_DOCLAYOUT_V2_LABELS)
    return PPDocLayoutV2Config(
        backbone_config=backbone,
        reading_order_config=reading_order,
        encoder_hidden_dim=16,
        encoder_in_channels=widths[1:],
        encoder_ffn_dim=32,
        d_model=16,
        decoder_in_channels=[16, 16, 16],
        decoder_ffn_dim=32,
        decoder_layers=2,
        num_queries=TINY_NUM_QUERIES,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        class_thresholds=list(PP_DOCLAYOUT_V2_CLASS_THRESHOLDS),
        class_order=list(PP_DOCLAYOUT_V2_CLASS_ORDER),
    )


def random_layout_model(seed: int = 0):
    """A seeded tiny ``PPDocLayoutV2ForObjectDetection`` that finds twelve text boxes on any page."""
    from transformers import PPDocLayoutV2ForObjectDetection

    torch.manual_seed(seed)
    model = PPDocLayoutV2ForObjectDetection(tiny_layout_config()).eval()
    eps = model.config.batch_norm_eps
    state = {}
    for name, module in model.named_modules():
        if type(module).__name__.endswith("RepVggBlock"):
            state.update(repvgg_state(name, *fuse_repvgg(module), eps))
    text = model.config.label2id["text"]
    with torch.no_grad():
        for head in model.model.decoder.class_embed:
            head.weight.zero_()
            head.bias.fill_(OTHER_LOGIT)
            head.bias[text] = TEXT_LOGIT
        # A zero-memory (invalid, border) anchor then scores exactly 0 and loses to the valid ones.
        model.model.enc_output[0].bias.zero_()
        model.model.enc_output[1].bias.zero_()
        model.model.enc_score_head.bias.zero_()
        # Boxes a few times wider and taller than the anchors, so they read like text blocks.
        last = model.model.enc_bbox_head.layers[-1]
        last.weight.zero_()
        last.bias.copy_(torch.tensor([0.0, 0.0, 1.5, 1.0]))
    model.load_state_dict(state, strict=False)
    return model


def write_tiny_layout_checkpoint(folder: Path, seed: int = 0) -> Path:
    """The tiny model in transformers format: config.json + model.safetensors."""
    folder = Path(folder)
    random_layout_model(seed).save_pretrained(folder)
    return folder


def write_tiny_paddle_layout(folder: Path, seed: int = 0) -> Path:
    """The tiny model laid out like the release: inference.json, inference.pdiparams, inference.yml
    (plus ocrvl_architecture.json, since the architecture is not the release's)."""
    return write_paddle_inference(random_layout_model(seed), Path(folder))


# ------------------------------------------------------------------------------------------ PP-DocLayoutV3


def tiny_layout_v3_config():
    from transformers import PPDocLayoutV3Config

    widths = [16, 16, 16, 16]
    backbone = _tiny_backbone(widths, ["stage1", "stage2", "stage3", "stage4"])  # stage1 feeds the mask head
    labels = list(PP_DOCLAYOUT_V2_LABELS)  # PaddleX's label list is the same for V2 and V3
    return PPDocLayoutV3Config(
        backbone_config=backbone,
        encoder_hidden_dim=16,
        encoder_in_channels=widths[1:],
        encoder_ffn_dim=32,
        encoder_attention_heads=2,
        x4_feat_dim=widths[0],
        mask_feature_channels=[8, 8],
        num_prototypes=8,
        d_model=16,
        decoder_in_channels=[16, 16, 16],
        decoder_ffn_dim=32,
        decoder_attention_heads=2,
        decoder_layers=2,
        global_pointer_head_size=8,
        num_queries=TINY_NUM_QUERIES,
        # Boxes from the encoder's box head rather than from its (random) masks, so they have text-block sizes.
        mask_enhanced=False,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )


def random_layout_v3_model(seed: int = 0):
    """A seeded tiny ``PPDocLayoutV3ForObjectDetection`` that finds twelve text boxes of distinct scores on any
    page, each with a mask that follows the page's ink.

    Weights are drawn at full strength (1/sqrt(fan-in), batch-norm scales 1) instead of transformers' 0.01 init,
    under which every query of a tiny model comes out the same; the class head scores every query as ``text``
    around 0.9; boxes are a little over half the page wide and a sixth of it tall.
    """
    from transformers import PPDocLayoutV3ForObjectDetection

    torch.manual_seed(seed)
    model = PPDocLayoutV3ForObjectDetection(tiny_layout_v3_config()).eval()
    generator = torch.Generator().manual_seed(seed)
    text = model.config.label2id["text"]
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d | torch.nn.Linear):
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=generator) / module.weight[0].numel() ** 0.5
                )
            elif type(module).__name__.endswith("BatchNorm2d"):
                module.weight.fill_(1.0)
        scores = model.model.enc_score_head  # also the decoder's class head (tied)
        scores.weight.copy_(torch.randn(scores.weight.shape, generator=generator) * 0.3)
        scores.bias.fill_(OTHER_LOGIT)
        scores.bias[text] = TEXT_LOGIT
        boxes = model.model.enc_bbox_head.layers[-1]  # also the decoder's box head (tied)
        boxes.weight.mul_(0.1)
        boxes.bias.copy_(torch.tensor([0.0, 0.0, 1.0, 0.5]))
    return model


def write_tiny_ppdoclayout_v3(folder: Path, seed: int = 0) -> Path:
    """The tiny V3 laid out like the ``PP-DocLayoutV3_safetensors`` release: config.json, model.safetensors and
    inference.yml (model name, pre-processing, class names)."""
    import yaml

    folder = Path(folder)
    random_layout_v3_model(seed).save_pretrained(folder)
    (folder / "inference.yml").write_text(yaml.safe_dump(layout_v3_inference_yml(), sort_keys=False), encoding="utf-8")
    return folder


def layout_v3_inference_yml() -> dict:
    """The release's inference.yml: what PaddleX reads from it (model name, pre-processing, label list)."""
    return {
        "mode": "paddle",
        "draw_threshold": 0.5,
        "metric": "COCO",
        "use_dynamic_shape": False,
        "Global": {"model_name": "PP-DocLayoutV3"},
        "arch": "DETR",
        "min_subgraph_size": 3,
        "Preprocess": [
            {"interp": 2, "keep_ratio": False, "target_size": [800, 800], "type": "Resize"},
            {"mean": [0.0, 0.0, 0.0], "norm_type": "none", "std": [1.0, 1.0, 1.0], "type": "NormalizeImage"},
            {"type": "Permute"},
        ],
        "label_list": list(PP_DOCLAYOUT_V2_LABELS),
    }
