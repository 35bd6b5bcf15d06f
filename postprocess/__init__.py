"""Post-processing stage: content clean-up and rendering to Markdown, JSON and layout pictures."""
