"""Layout stage: detectors, box post-processing and reading order."""
