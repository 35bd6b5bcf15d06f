"""The PaddleOCR-VL recognizer: vision encoder, projector, ERNIE-4.5 decoder and the head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ocrvl.errors import OcrvlError

from .config import ModelConfig
from .kv_cache import DecoderCache
from .layers import Linear
from .text import TextModel
from .vision import Projector, VisionEncoder

Grid = tuple[int, int, int]


class PaddleOCRVL(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.vision = VisionEncoder(config.vision)
        self.projector = Projector(config)
        self.text = TextModel(config.text, config.pad_token_id)
        self.lm_head = Linear(config.text.hidden_size, config.text.vocab_size, bias=False)
        if config.text.tie_word_embeddings:
            self.lm_head.weight = self.text.embed_tokens.weight

    @property
    def dtype(self) -> torch.dtype:
        return self.text.embed_tokens.weight.dtype

    def tokens_per_image(self, grid: Grid) -> int:
        t, h, w = grid
        return t * h * w // self.config.vision.spatial_merge_size**2

    def encode_images(self, patches: torch.Tensor, grids: Sequence[Grid]) -> list[torch.Tensor]:
        """Language-model tokens for each image: a list of (tokens_per_image, hidden) tensors."""
        grids = [tuple(int(v) for v in g) for g in grids]
        features = self.vision(patches, grids)
        tokens = self.projector(features, grids)
        return list(tokens.split([self.tokens_per_image(g) for g in grids]))

    def embed(self, input_ids: torch.Tensor, image_tokens: torch.Tensor | None = None) -> torch.Tensor:
        """Token embeddings with the image placeholders replaced, in order, by ``image_tokens``."""
        embeddings = self.text.embed_tokens(input_ids)
        slots = input_ids == self.config.image_token_id
        count = int(slots.sum())
        supplied = 0 if image_tokens is None else image_tokens.shape[0]
        if count != supplied:
            raise OcrvlError(f"the prompt has {count} image placeholders but {supplied} image tokens were given")
        if count:
            embeddings = embeddings.masked_scatter(slots[..., None], image_tokens.to(embeddings.dtype))
        return embeddings

    def rope_positions(
        self, input_ids: torch.Tensor, grids: Sequence[Grid], key_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """3-D positions (3, batch, length) for a prompt, and each row's next free position (batch,).

        Text advances all three axes together. An image's tokens take (time, row, column) on its merged
        grid, offset by the position where it starts; the text after it continues from the start plus the
        larger side of that grid. Padded slots (``key_mask`` False) get position 0.
        """
        merge = self.config.vision.spatial_merge_size
        image_id = self.config.image_token_id
        grid_iter = iter(grids)
        batch, length = input_ids.shape
        positions = torch.zeros(3, batch, length, dtype=torch.long)
        next_positions = torch.zeros(batch, dtype=torch.long)
        for row in range(batch):
            keep = key_mask[row].bool().cpu() if key_mask is not None else torch.ones(length, dtype=torch.bool)
            ids = input_ids[row].cpu()[keep].tolist()
            pieces, current, i = [], 0, 0
            while i < len(ids):
                j = i
                is_image = ids[i] == image_id
                while j < len(ids) and (ids[j] == image_id) == is_image:
                    j += 1
                if is_image:
                    t, h, w = (int(v) for v in next(grid_iter))
                    h, w = h // merge, w // merge
                    tt, hh, ww = torch.meshgrid(torch.arange(t), torch.arange(h), torch.arange(w), indexing="ij")
                    pieces.append(torch.stack([tt, hh, ww]).reshape(3, -1) + current)
                    current += max(h, w)
                else:
                    pieces.append(torch.arange(current, current + j - i).expand(3, -1))
                    current += j - i
                i = j
            row_positions = torch.cat(pieces, dim=1) if pieces else torch.zeros(3, 0, dtype=torch.long)
            positions[:, row, keep] = row_positions
            next_positions[row] = int(row_positions.max()) + 1 if row_positions.numel() else 0
        return positions.to(input_ids.device), next_positions.to(input_ids.device)

    def forward(
        self,
        embeddings: torch.Tensor,
        positions: torch.Tensor,
        cache: DecoderCache | None = None,
        key_mask: torch.Tensor | None = None,
        last_only: bool = False,
    ) -> torch.Tensor:
        hidden = self.text(embeddings, positions, cache, key_mask)
        if last_only:
            hidden = hidden[:, -1:]
        return self.lm_head(hidden)
