import importlib.metadata

project = "cookiesession"
copyright = "2026, The cookiesession developers"
release = importlib.metadata.version("cookiesession")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
nitpicky = False
html_theme = "furo"
html_title = f"cookiesession {version}"
exclude_patterns = ["_build"]
