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


def tiny_layout_config():
    from transformers import PPDocLayoutV2Config

    widths = [16, 16, 16, 16]
    backbone = {
        "model_type": "hgnet_v2",
        "stem_channels": [3, 8, 8],
        "stage_in_channels": [8, 16, 16, 16],
        "stage_mid_channels": [8, 8, 8, 8],
        "stage_out_channels": widths,
        "hidden_sizes": widths,
        "stage_num_blocks": [1, 1, 1, 1],
        "stage_numb_of_layers": [2, 2, 2, 2],
        "out_features": ["stage2", "stage3", "stage4"],
    }
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
