"""Running: parameter files, the papermill pipeline (staging, atomic publish, manifest) and the CLI."""
