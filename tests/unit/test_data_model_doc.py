from pathlib import Path

from pulse.datamodel import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATA_MODEL.md"


def test_data_model_document_matches_the_models() -> None:
    text = DOC.read_text()
    assert render() in text, "docs/DATA_MODEL.md is stale: regenerate with `pulse db describe`"
