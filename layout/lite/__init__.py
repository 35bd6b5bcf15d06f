"""The lite engine's layout: PP-PicoDet CDLA detection, region clean-up, relabelling, XY-cut order."""
