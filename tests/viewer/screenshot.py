"""The README's screenshot of the viewer: born_digital.pdf read by the lite engine, its table hovered (box and
content lit together). ``python -m tests.viewer.screenshot docs/viewer.png``"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

from ocrvl import PaddleOCRVL
from tests.conftest import SAMPLES
from tests.viewer.browser import chromium


def main(target: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    parser = PaddleOCRVL(engine="lite")
    document = parser.join(parser.predict(SAMPLES / "born_digital.pdf"))[0]
    with tempfile.TemporaryDirectory() as scratch:
        html = document.save_to_viewer(scratch)
        driver = chromium(1280, 900)
        try:
            driver.get(html.as_uri())
            driver.execute_script("document.querySelector('.block.label-table').scrollIntoView({block: 'end'});"
                                  "window.scrollBy(0, 120)")  # fmt: skip
            ActionChains(driver).move_to_element(
                driver.find_element(By.CSS_SELECTOR, '.box[data-label="table"] rect')
            ).perform()
            shot = Path(scratch) / "shot.png"
            driver.save_screenshot(str(shot))
        finally:
            driver.quit()
        picture = Image.open(shot).convert("RGB").quantize(128, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        target.parent.mkdir(parents=True, exist_ok=True)
        picture.save(target, optimize=True)  # a palette keeps it near 120 KB


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/viewer.png"))
