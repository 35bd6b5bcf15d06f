"""PaddleOCR-VL in torch: configs, model, image processing, prompts, weight lookup and loading, test checkpoints.

Import the submodules directly; ``ocrvl.models.locate`` stays importable without torch.
"""
