"""Finding and loading weights: resolution order, clear errors, `ocrvl models list`."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file, save_file

from ocrvl.cli import main
from ocrvl.models.checkpoints import load_model
from ocrvl.models.locate import (
    DOWNLOAD_COMMAND,
    ENV_VAR,
    CheckpointError,
    WeightsNotFoundError,
    resolve_model_dir,
)
from ocrvl.testing.checkpoints import write_tiny_checkpoint


@pytest.fixture()
def no_weights(monkeypatch, tmp_path):
    """A machine with nothing downloaded: empty Hugging Face cache, no environment variable."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def hub_snapshot(hub, repo, revision="abc123"):
    root = hub / ("models--" + repo.replace("/", "--"))
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(revision)
    return root / "snapshots" / revision


def test_explicit_directory_wins_over_environment_and_cache(no_weights, monkeypatch):
    explicit = write_tiny_checkpoint(no_weights / "explicit")
    env = write_tiny_checkpoint(no_weights / "env")
    write_tiny_checkpoint(hub_snapshot(no_weights / "hub", "PaddlePaddle/PaddleOCR-VL"))
    monkeypatch.setenv(ENV_VAR, str(env))
    assert resolve_model_dir(explicit) == explicit
    assert resolve_model_dir() == env


def test_hugging_face_cache_is_found_offline(no_weights):
    snapshot = write_tiny_checkpoint(hub_snapshot(no_weights / "hub", "PaddlePaddle/PaddleOCR-VL-1.5"))
    assert resolve_model_dir() == snapshot


def test_no_weights_names_every_place_and_the_download_command(no_weights):
    with pytest.raises(WeightsNotFoundError) as caught:
        resolve_model_dir()
    message = str(caught.value)
    assert DOWNLOAD_COMMAND in message
    assert "PaddleOCR-VL-1.5" in message and ENV_VAR in message


def test_unusable_explicit_directory_is_an_error_not_skipped(no_weights, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(write_tiny_checkpoint(no_weights / "env")))
    with pytest.raises(CheckpointError, match="no PaddleOCR-VL config.json"):
        resolve_model_dir(no_weights)


def test_missing_and_unexpected_keys_are_listed(tmp_path):
    directory = write_tiny_checkpoint(tmp_path / "ckpt")
    weights = load_file(directory / "model.safetensors")
    weights.pop("model.language_model.norm.weight")
    weights["model.language_model.extra_adapter.weight"] = torch.zeros(2)
    save_file(weights, directory / "model.safetensors")
    with pytest.raises(CheckpointError) as caught:
        load_model(directory)
    message = str(caught.value)
    assert "Missing (1): text.norm.weight" in message
    assert "Unexpected (1): text.extra_adapter.weight" in message


def test_shape_mismatch_names_the_tensor(tmp_path):
    directory = write_tiny_checkpoint(tmp_path / "ckpt")
    config = json.loads((directory / "config.json").read_text())
    config["text_config"]["intermediate_size"] = 100
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"text.layers.0.mlp.\w+_proj.weight has shape .* the config expects"):
        load_model(directory)


def test_truncated_weights_file_is_a_clear_error(tmp_path):
    directory = write_tiny_checkpoint(tmp_path / "ckpt")
    path = directory / "model.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="cannot read weights"):
        load_model(directory)


def test_bf16_load_keeps_weights_tied_and_memory_mapped(tmp_path):
    directory = write_tiny_checkpoint(tmp_path / "ckpt", dtype=torch.bfloat16)
    model = load_model(directory, torch.bfloat16)
    assert model.dtype == torch.bfloat16
    assert model.lm_head.weight is model.text.embed_tokens.weight
    assert all(p.device.type == "cpu" for p in model.parameters())


@pytest.mark.parametrize("layout", ["native", "original"])
def test_a_shipped_output_head_is_used_even_when_the_config_ties_it(tmp_path, layout):
    # PaddleX never ties at load: with lm_head.weight in the checkpoint, that head computes the logits.
    directory = write_tiny_checkpoint(tmp_path / "ckpt", layout=layout)
    assert json.loads((directory / "config.json").read_text())["tie_word_embeddings"] is True
    weights = load_file(directory / "model.safetensors")
    embedding_key = next(k for k in weights if k.endswith("embed_tokens.weight"))
    head = torch.randn_like(weights[embedding_key])
    save_file({**weights, "lm_head.weight": head}, directory / "model.safetensors")
    model = load_model(directory, torch.float32)
    assert torch.equal(model.lm_head.weight, head)
    assert torch.equal(model.text.embed_tokens.weight, weights[embedding_key])
    hidden = torch.randn(1, model.config.text.hidden_size)
    assert torch.allclose(model.lm_head(hidden), hidden @ head.T, atol=1e-5)


def test_models_list_shows_where_weights_were_found(no_weights, monkeypatch):
    directory = write_tiny_checkpoint(no_weights / "weights", layout="original")
    monkeypatch.setenv(ENV_VAR, str(directory))
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "found: original layout" in result.output
    assert f"recognizer: {directory}" in result.output
    assert "Missing: the layout model; the lite engine runs instead" in result.output


def test_models_list_without_weights_says_how_to_get_them(no_weights):
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 0
    assert "not found" in result.output and DOWNLOAD_COMMAND in result.output


def test_auto_engine_says_where_weights_are_and_what_it_runs(no_weights, monkeypatch, caplog):
    from ocrvl.engines import create_engine
    from ocrvl.options import PipelineOptions

    caplog.set_level("INFO", logger="ocrvl")
    create_engine(PipelineOptions(engine="auto"))
    assert "no PaddleOCR-VL weights found" in caplog.text
    caplog.clear()
    directory = write_tiny_checkpoint(no_weights / "weights")
    monkeypatch.setenv(ENV_VAR, str(directory))
    create_engine(PipelineOptions(engine="auto"))
    assert f"PaddleOCR-VL weights are at {directory}" in caplog.text


def test_models_list_reports_a_corrupt_checkpoint_instead_of_crashing(no_weights, monkeypatch):
    directory = write_tiny_checkpoint(no_weights / "weights")
    (directory / "model.safetensors").write_bytes(b"\x00" * 64)
    monkeypatch.setenv(ENV_VAR, str(directory))
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "found but unusable" in result.output and "cannot read weights" in result.output
