"""Report out: what a notebook shows (tables, figures, text), charts per analysis, texts and
translations, and publishing the executed notebooks as self-contained HTML with an index page."""
