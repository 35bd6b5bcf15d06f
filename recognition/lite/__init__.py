"""The lite engine's recognition: PDF text layer, PP-OCRv6, tables from words and rulings."""
