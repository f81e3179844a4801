"""The action guide as data: the model, the loader and the registries of built-in names."""
